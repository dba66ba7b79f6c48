import type { PendingAuthorization } from './types.js';

/** The subset of the `qrcode` package this module uses. */
interface QrCodeModule {
  toString(text: string, options: { type: 'terminal' | 'utf8'; small?: boolean; errorCorrectionLevel?: string }): Promise<string>;
}

/**
 * Options of {@link renderPrompt}.
 *
 * @see RFC 8628 §3.3.1
 */
export interface PromptOptions {
  /** Draw a QR code of `verification_uri_complete` when `qrcode` is installed. Default true. */
  qr?: boolean;
  /** `terminal` draws with ANSI colours, `utf8` with block characters only. Default `terminal`. */
  qrType?: 'terminal' | 'utf8';
  /** The current time in ms since the epoch. Default `Date.now()`. */
  now?: number;
}

/**
 * A QR code of `text` for a terminal, or `undefined` when the optional peer `qrcode` is not
 * installed.
 *
 * @see RFC 8628 §3.3.1
 */
export async function renderQr(text: string, type: 'terminal' | 'utf8' = 'terminal'): Promise<string | undefined> {
  let module: QrCodeModule;
  try {
    const specifier = 'qrcode';
    const imported = (await import(specifier)) as { default?: QrCodeModule } & QrCodeModule;
    module = imported.default ?? imported;
  } catch {
    return undefined;
  }
  return module.toString(text, { type, small: true, errorCorrectionLevel: 'L' });
}

/**
 * The time left to enter the code, e.g. `The code expires in 14:32.`, or `The code has expired.`
 *
 * @see RFC 8628 §3.2 (`expires_in`)
 */
export function formatCountdown(pending: Pick<PendingAuthorization, 'expiresAt'>, now: number = Date.now()): string {
  const left = Math.ceil((pending.expiresAt - now) / 1000);
  if (left <= 0) return 'The code has expired.';
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, '0');
  return `The code expires in ${minutes}:${seconds}.`;
}

/**
 * What the device shows: the verification URI and the user code (always, even next to a QR
 * code), a QR code of `verification_uri_complete` when there is one and `qrcode` is installed,
 * and the countdown. The device code is never shown.
 *
 * @see RFC 8628 §3.3
 * @see RFC 8628 §3.3.1
 */
export async function renderPrompt(pending: PendingAuthorization, options: PromptOptions = {}): Promise<string> {
  const lines = [
    'To pair this device, open',
    '',
    `    ${pending.verificationUri}`,
    '',
    'on your phone or computer and enter the code',
    '',
    `    ${pending.userCode}`,
    '',
  ];
  if (pending.verificationUriComplete && options.qr !== false) {
    const qr = await renderQr(pending.verificationUriComplete, options.qrType);
    if (qr) lines.push('or scan this code, then check that it shows the same code:', '', qr.trimEnd(), '');
  }
  lines.push(formatCountdown(pending, options.now));
  return `${lines.join('\n')}\n`;
}
