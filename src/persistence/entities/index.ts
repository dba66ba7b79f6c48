import { AccessTokenEntity } from './access-token.entity.js';
import { DeviceGrantEntity } from './device-grant.entity.js';
import { OAuthClientEntity } from './oauth-client.entity.js';
import { RateLimitEntity } from './rate-limit.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { ServerSecretEntity } from './server-secret.entity.js';
import { SignInEntity } from './sign-in.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';

export { AccessTokenEntity, DeviceGrantEntity, OAuthClientEntity, RateLimitEntity, RefreshTokenEntity, ServerSecretEntity, SignInEntity, SigningKeyEntity };
export type { DeviceGrantStatus } from '../records.js';

/** Every entity the module ships; pass them to `TypeOrmModule.forRoot({ entities })` or use `autoLoadEntities`. */
export const DEVICE_GRANT_ENTITIES = [OAuthClientEntity, DeviceGrantEntity, RefreshTokenEntity, SigningKeyEntity, RateLimitEntity, ServerSecretEntity, AccessTokenEntity, SignInEntity];
