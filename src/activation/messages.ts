/** Every string the activation pages show. Override any of them per language through the module options. */
export interface ActivationMessages {
  lang: string;
  title: string;
  enterCodeHeading: string;
  enterCodeIntro: string;
  userCodeLabel: string;
  userCodeHint: string;
  continue: string;
  unknownCode: string;
  lockedOut: string;
  sessionExpired: string;
  signInHeading: string;
  signInIntro: string;
  username: string;
  password: string;
  signIn: string;
  wrongCredentials: string;
  signInPaused: string;
  signedInAs: string;
  signOut: string;
  signOutEverywhere: string;
  signOutEverywhereHint: string;
  confirmHeading: string;
  confirmIntro: string;
  checkCode: string;
  clientLabel: string;
  scopesLabel: string;
  noScopes: string;
  deviceLabel: string;
  deviceName: string;
  deviceModel: string;
  deviceSerial: string;
  unknownDetail: string;
  requestFromLabel: string;
  ipAddress: string;
  userAgent: string;
  requestedAt: string;
  expiresIn: string;
  phishingWarning: string;
  approve: string;
  deny: string;
  approvedHeading: string;
  approvedText: string;
  deniedHeading: string;
  deniedText: string;
  qrCaption: string;
  errorHeading: string;
  errorText: string;
  backToStart: string;
  devicesHeading: string;
  devicesIntro: string;
  noDevices: string;
  approvedAt: string;
  lastUsed: string;
  never: string;
  disconnect: string;
  disconnected: string;
  minutes: string;
}

const en: ActivationMessages = {
  lang: 'en',
  title: 'Connect a device',
  enterCodeHeading: 'Connect a device',
  enterCodeIntro: 'Enter the code shown on your device.',
  userCodeLabel: 'User code',
  userCodeHint: 'For example WDJB-MJHT. Upper or lower case, dashes and spaces do not matter.',
  continue: 'Continue',
  unknownCode:
    'That code is not valid. It may be mistyped, expired, or already used. Check the code on your device and try again.',
  lockedOut: 'Too many wrong codes. For your security, code entry is paused. Try again in {minutes} min.',
  sessionExpired: 'Your session expired or the form was out of date. Please try again.',
  signInHeading: 'Sign in',
  signInIntro: 'Sign in to connect the device to your account.',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  wrongCredentials: 'Wrong username or password.',
  signInPaused: 'Too many wrong passwords. For your security, signing in is paused. Try again in {minutes} min.',
  signedInAs: 'Signed in as {name}',
  signOut: 'Sign out',
  signOutEverywhere: 'Sign out everywhere',
  signOutEverywhereHint: 'Ends your sign-in here and in every other browser.',
  confirmHeading: 'Connect this device?',
  confirmIntro: 'A device asked to connect to your account.',
  checkCode: 'Check that this matches the code on your device:',
  clientLabel: 'Application',
  scopesLabel: 'It will be able to',
  noScopes: 'Only confirm that you connected it (no other access).',
  deviceLabel: 'Device',
  deviceName: 'Name',
  deviceModel: 'Model',
  deviceSerial: 'Serial number',
  unknownDetail: 'not given',
  requestFromLabel: 'The request came from',
  ipAddress: 'IP address',
  userAgent: 'Software',
  requestedAt: 'Requested',
  expiresIn: 'This request expires in {minutes} minutes.',
  phishingWarning:
    'Approving gives this device access to your account. Only approve if the device is in front of you and you started this yourself. If someone sent you this code or link, deny.',
  approve: 'Approve',
  deny: 'Deny',
  approvedHeading: 'Device connected',
  approvedText: 'Your device is connected. You can go back to it now; it will continue on its own.',
  deniedHeading: 'Request denied',
  deniedText: 'The device was not connected. You can close this page.',
  qrCaption: 'Scan to continue on your phone',
  errorHeading: 'Something went wrong',
  errorText: 'The page could not be shown. Please start again.',
  backToStart: 'Enter a code',
  devicesHeading: 'Your devices',
  devicesIntro: 'Devices you connected to your account. Disconnecting one signs it out: its access stops within a second.',
  noDevices: 'You have not connected any device.',
  approvedAt: 'Connected',
  lastUsed: 'Last used',
  never: 'never',
  disconnect: 'Disconnect',
  disconnected: 'The device was disconnected.',
  minutes: 'minutes',
};

const es: ActivationMessages = {
  lang: 'es',
  title: 'Conectar un dispositivo',
  enterCodeHeading: 'Conectar un dispositivo',
  enterCodeIntro: 'Introduce el código que muestra tu dispositivo.',
  userCodeLabel: 'Código de usuario',
  userCodeHint: 'Por ejemplo WDJB-MJHT. Da igual si usas mayúsculas, minúsculas, guiones o espacios.',
  continue: 'Continuar',
  unknownCode:
    'Ese código no es válido. Puede estar mal escrito, caducado o ya usado. Revisa el código de tu dispositivo e inténtalo de nuevo.',
  lockedOut:
    'Demasiados códigos incorrectos. Por tu seguridad, la introducción de códigos está en pausa. Vuelve a intentarlo dentro de {minutes} min.',
  sessionExpired: 'Tu sesión caducó o el formulario no estaba actualizado. Inténtalo de nuevo.',
  signInHeading: 'Iniciar sesión',
  signInIntro: 'Inicia sesión para conectar el dispositivo a tu cuenta.',
  username: 'Usuario',
  password: 'Contraseña',
  signIn: 'Iniciar sesión',
  wrongCredentials: 'Usuario o contraseña incorrectos.',
  signInPaused: 'Demasiadas contraseñas incorrectas. Por tu seguridad, el inicio de sesión está en pausa. Vuelve a intentarlo dentro de {minutes} min.',
  signedInAs: 'Sesión iniciada como {name}',
  signOut: 'Cerrar sesión',
  signOutEverywhere: 'Cerrar sesión en todas partes',
  signOutEverywhereHint: 'Cierra tu sesión aquí y en todos los demás navegadores.',
  confirmHeading: '¿Conectar este dispositivo?',
  confirmIntro: 'Un dispositivo ha pedido conectarse a tu cuenta.',
  checkCode: 'Comprueba que coincide con el código de tu dispositivo:',
  clientLabel: 'Aplicación',
  scopesLabel: 'Podrá',
  noScopes: 'Solo confirmar que lo conectaste (ningún otro acceso).',
  deviceLabel: 'Dispositivo',
  deviceName: 'Nombre',
  deviceModel: 'Modelo',
  deviceSerial: 'Número de serie',
  unknownDetail: 'no indicado',
  requestFromLabel: 'La solicitud vino de',
  ipAddress: 'Dirección IP',
  userAgent: 'Software',
  requestedAt: 'Solicitado',
  expiresIn: 'Esta solicitud caduca en {minutes} minutos.',
  phishingWarning:
    'Si apruebas, este dispositivo tendrá acceso a tu cuenta. Aprueba solo si el dispositivo está delante de ti y lo iniciaste tú. Si alguien te envió este código o enlace, deniégalo.',
  approve: 'Aprobar',
  deny: 'Denegar',
  approvedHeading: 'Dispositivo conectado',
  approvedText: 'Tu dispositivo está conectado. Ya puedes volver a él; continuará solo.',
  deniedHeading: 'Solicitud denegada',
  deniedText: 'El dispositivo no se conectó. Puedes cerrar esta página.',
  qrCaption: 'Escanea para continuar en tu teléfono',
  errorHeading: 'Algo salió mal',
  errorText: 'No se pudo mostrar la página. Vuelve a empezar.',
  backToStart: 'Introducir un código',
  devicesHeading: 'Tus dispositivos',
  devicesIntro: 'Dispositivos que conectaste a tu cuenta. Al desconectar uno, pierde el acceso en menos de un segundo.',
  noDevices: 'No has conectado ningún dispositivo.',
  approvedAt: 'Conectado',
  lastUsed: 'Último uso',
  never: 'nunca',
  disconnect: 'Desconectar',
  disconnected: 'El dispositivo se desconectó.',
  minutes: 'minutos',
};

/** The shipped catalogues. */
export const DEFAULT_MESSAGES: Record<string, ActivationMessages> = { en, es };

/**
 * The catalogue for a request: the best `Accept-Language` match among the available languages,
 * English otherwise.
 */
export function pickMessages(
  acceptLanguage: string | string[] | undefined,
  catalogues: ReadonlyMap<string, ActivationMessages>,
): ActivationMessages {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '');
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  // A Map, not an object: a tag such as `constructor` or `__proto__` names nothing.
  for (const { tag } of ranked) {
    const found = catalogues.get(tag) ?? catalogues.get(tag.split('-')[0]);
    if (found) return found;
  }
  return catalogues.get('en') ?? catalogues.values().next().value!;
}

/** Fills `{name}` placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => (Object.hasOwn(values, key) ? String(values[key]) : match));
}
