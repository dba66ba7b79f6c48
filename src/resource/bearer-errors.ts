/**
 * Why a request to a protected resource was refused, as RFC 6750 §3 answers it: a status and a
 * `WWW-Authenticate: Bearer` challenge (with `error`, and `scope` for `insufficient_scope`).
 * @see RFC 6750 §3.1
 */
export abstract class BearerError extends Error {
  /** The RFC 6750 error code, or undefined when the request carried no credentials at all. */
  abstract readonly error: string | undefined;
  abstract readonly status: number;

  constructor(readonly description: string) {
    super(description);
    this.name = new.target.name;
  }

  /** Extra auth-params of the challenge (beyond realm, error and error_description). */
  params(): Record<string, string> {
    return {};
  }
}

/** No bearer credentials at all (none, or another scheme): 401 and a challenge without `error`. @see RFC 6750 §3.1 */
export class MissingBearerToken extends BearerError {
  readonly error = undefined;
  readonly status = 401;
}

/** Malformed or repeated credentials, or a transmission method this server does not take: 400. @see RFC 6750 §3.1 */
export class InvalidBearerRequest extends BearerError {
  readonly error = 'invalid_request';
  readonly status = 400;
}

/** Expired, revoked, malformed, or not for this server: 401. @see RFC 6750 §3.1, RFC 9068 §4 */
export class InvalidToken extends BearerError {
  readonly error = 'invalid_token';
  readonly status = 401;
}

/** The token is good but lacks a scope this resource needs: 403 with the `scope` needed. @see RFC 6750 §3.1 */
export class InsufficientScope extends BearerError {
  readonly error = 'insufficient_scope';
  readonly status = 403;

  constructor(readonly required: readonly string[]) {
    super(`this resource needs the scope ${required.join(' ')}`);
  }

  override params(): Record<string, string> {
    return { scope: this.required.join(' ') };
  }
}

/** Characters allowed in `error_description` and `scope` values. @see RFC 6750 §3 */
const UNSAFE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

function quoted(value: string): string {
  return `"${value.replace(UNSAFE, '?').replace(/[\\"]/g, '\\$&')}"`;
}

/** The `WWW-Authenticate` value for a refusal: `Bearer realm="…", error="…", error_description="…"`. */
export function bearerChallenge(realm: string, error: BearerError): string {
  const params: Record<string, string> = { realm };
  if (error.error) {
    params.error = error.error;
    params.error_description = error.description;
  }
  Object.assign(params, error.params());
  return 'Bearer ' + Object.entries(params).map(([name, value]) => `${name}=${quoted(value)}`).join(', ');
}

/** The JSON body of a refusal. */
export function bearerErrorBody(error: BearerError): { error?: string; error_description: string } {
  const description = error.description.replace(UNSAFE, '?');
  return error.error ? { error: error.error, error_description: description } : { error_description: description };
}
