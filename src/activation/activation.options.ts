import type { ActivationMessages } from './messages.js';
import type { ActivationRenderers } from './views.js';

/** The person signed in on the activation page. */
export interface ActivationUser {
  /** Stable identifier; becomes the access token's `sub`. */
  id: string;
  /** What the pages show. */
  name: string;
}

/** Options of the activation pages (`verification_uri`). */
export interface ActivationOptions {
  /**
   * Name of the passport strategy that checks the sign-in form's `username` and `password`
   * (e.g. a `passport-local` strategy registered with `PassportStrategy(Strategy, 'my-local')`).
   */
  passportStrategy?: string;
  /**
   * Instead of the built-in sign-in form: resolve the signed-in user from the request (e.g. from
   * the application's own session). Return null when nobody is signed in; the user is then sent to
   * `signInUrl` with `?return_to=` the page to come back to.
   */
  resolveUser?: (request: unknown) => Promise<ActivationUser | null> | ActivationUser | null;
  /** Where to send people to sign in when `resolveUser` returns null. */
  signInUrl?: string;
  /** Map the passport user to an `ActivationUser`. Default: `sub`, `id` or `username`; `name`, `displayName` or the id. */
  toActivationUser?: (passportUser: any) => ActivationUser;
  /**
   * Key for the session cookie (at least 32 characters; every instance needs the same). Default:
   * a random key generated on first start and shared through the database.
   */
  sessionSecret?: string;
  /** How long a sign-in lasts, in seconds. Default 3600. */
  sessionTtl?: number;
  /** Message overrides per language (`en`, `es`, or a new language with a full catalogue). */
  messages?: Record<string, Partial<ActivationMessages>>;
  /** Replace any page's renderer. */
  renderers?: Partial<ActivationRenderers>;
}

/** The activation options with their defaults (`DEFAULT_OPTIONS.activation`) applied. */
export type ResolvedActivationOptions = ActivationOptions & Required<Pick<ActivationOptions, 'sessionTtl'>>;

/** Default mapping of a passport user to the person the pages know. */
export function defaultActivationUser(user: any): ActivationUser {
  const id = String(user?.sub ?? user?.id ?? user?.username ?? '');
  return { id, name: String(user?.name ?? user?.displayName ?? id) };
}
