import passport from 'passport';
import { BearerError, InvalidToken, MissingBearerToken } from './bearer-errors.js';
import { extractBearerToken, type BearerRequest } from './bearer-token.js';

/** Checks a bearer token and calls back with the principal, or with a `BearerError` refusal. */
export type BearerVerifyCallback = (token: string, done: (error: unknown, principal?: unknown) => void) => void;

/**
 * A passport strategy for RFC 6750 bearer tokens: reads the token from the `Authorization` header and
 * hands it to the verify callback. A refusal is a `fail` whose challenge is the `BearerError` (so a
 * guard can answer RFC 6750 §3); anything else is an `error`.
 * @see RFC 6750 §2.1, §3
 */
export class BearerTokenStrategy extends passport.Strategy {
  override name = 'bearer-token';

  constructor(private readonly verifyToken: BearerVerifyCallback) {
    super();
  }

  override authenticate(request: BearerRequest): void {
    let token: string | undefined;
    try {
      token = extractBearerToken(request);
    } catch (error) {
      return error instanceof BearerError ? this.fail(error, error.status) : this.error(error);
    }
    if (token === undefined) {
      const missing = new MissingBearerToken('a bearer access token is required');
      return this.fail(missing, missing.status);
    }
    this.verifyToken(token, (error, principal) => {
      if (error instanceof BearerError) return this.fail(error, error.status);
      if (error) return this.error(error);
      if (!principal) return this.fail(new InvalidToken('the access token is invalid'), 401);
      this.success(principal as Express.User);
    });
  }
}
