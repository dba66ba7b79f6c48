import { Get, Header, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { SigningKeyService } from './signing-key.service.js';

/** The public signing keys (`jwks_uri`). @see RFC 8414 §2, RFC 7517 §5 */
export class JwksController {
  constructor(@Inject(SigningKeyService) private readonly keys: SigningKeyService) {}

  @Get()
  @Header('Cache-Control', 'public, max-age=60')
  jwks(): Promise<{ keys: JWK[] }> {
    return this.keys.jwks();
  }
}
