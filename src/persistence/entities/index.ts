import { DeviceGrantEntity } from './device-grant.entity.js';
import { OAuthClientEntity } from './oauth-client.entity.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { SigningKeyEntity } from './signing-key.entity.js';

export { DeviceGrantEntity, OAuthClientEntity, RefreshTokenEntity, SigningKeyEntity };
export type { DeviceGrantStatus } from './device-grant.entity.js';

/** Every entity the module ships; pass them to `TypeOrmModule.forRoot({ entities })` or use `autoLoadEntities`. */
export const DEVICE_GRANT_ENTITIES = [OAuthClientEntity, DeviceGrantEntity, RefreshTokenEntity, SigningKeyEntity];
