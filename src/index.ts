export { DeviceGrantModule } from './device-grant.module.js';
export type { DeviceGrantModuleExtras } from './device-grant.module-definition.js';
export {
  DEFAULT_OPTIONS,
  DEFAULT_ROUTES,
  DEFAULT_SCOPES,
  type DeviceGrantModuleOptions,
  type DeviceGrantRoutes,
  type ResolvedDeviceGrantOptions,
  type UserCodeCharset,
} from './device-grant.options.js';
export {
  DEFAULT_LIMITS,
  type GuessBudget,
  type LimitsOptions,
  type RequestRate,
  type ResolvedLimits,
  type SecretCheckLimits,
} from './limits/limits.options.js';
export { DEVICE_GRANT_OPTIONS, InjectDeviceGrantOptions } from './device-grant.module-definition.js';
export { CLOCK, InjectClock, systemClock, type Clock } from './clock.js';
export { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE, OFFLINE_ACCESS_SCOPE } from './constants.js';
export { ClientService, type ClientRegistration } from './clients/client.service.js';
export {
  ClientAdminService,
  DEFAULT_SECRET_GRACE,
  type ClientSummary,
  type CreatedClient,
  type DeletedClient,
  type NewClient,
  type RotatedSecret,
} from './admin/client-admin.service.js';
export { ClientAdminError } from './admin/client-admin.errors.js';
export { runAdminCli, ADMIN_EXIT, ADMIN_USAGE, type AdminCliOutput } from './admin/admin-cli.js';
export { DeviceGrantAdminModule, type DeviceGrantAdminConfig } from './admin/device-grant-admin.module.js';
export { DeviceGrantMetrics, type GrantOutcome, type IssuedGrantType, type PollOutcome } from './observability/device-grant-metrics.service.js';
export { HealthService } from './observability/health.service.js';
export { ConnectionDrainService } from './shutdown/connection-drain.service.js';
export { DeviceGrantService, UnknownUserCodeError } from './grants/device-grant.service.js';
export { SigningKeyService, type SigningKeyInfo } from './tokens/signing-key.service.js';
export { AccessTokenService } from './tokens/access-token.service.js';
export type { TokenResponse } from './tokens/token-response.js';
export * from './oauth-errors/oauth-error.js';
export { OAuthExceptionFilter, NO_STORE_HEADERS } from './oauth-errors/oauth-exception.filter.js';
export {
  DEVICE_GRANT_ENTITIES,
  DeviceGrantEntity,
  OAuthClientEntity,
  RefreshTokenEntity,
  SigningKeyEntity,
  type DeviceGrantStatus,
} from './persistence/entities/index.js';
export { DEVICE_GRANT_MIGRATIONS } from './persistence/migrations/index.js';
export {
  buildDataSourceOptions,
  databaseKind,
  DEFAULT_SQLITE_PATH,
  type DatabaseSettings,
} from './persistence/data-source-options.js';
export { hashSecret, verifySecret } from './crypto/secrets.js';
export { formatUserCode, generateUserCode, normalizeUserCode, type UserCodeFormat } from './user-code/user-code.js';
export { AccessTokenEntity } from './persistence/entities/index.js';
export { RevocationService } from './revocation/revocation.service.js';
export { IntrospectionService, type IntrospectionResponse } from './introspection/introspection.service.js';
export { GrantManagementService, type ApprovedGrant } from './grants/grant-management.service.js';
export { RefreshTokenService } from './tokens/refresh-token.service.js';
export { DeviceGrantResourceModule } from './resource/device-grant-resource.module.js';
export {
  DEVICE_GRANT_RESOURCE_OPTIONS,
  InjectDeviceGrantResourceOptions,
  type DeviceGrantResourceModuleExtras,
} from './resource/device-grant-resource.module-definition.js';
export {
  DEFAULT_RESOURCE_OPTIONS,
  metadataUrlOf,
  type DeviceGrantResourceOptions,
  type ResolvedDeviceGrantResourceOptions,
  type RevocationCheckOptions,
} from './resource/device-grant-resource.options.js';
export { DeviceGrantJwtStrategy, DEVICE_GRANT_JWT_STRATEGY } from './resource/device-grant-jwt.strategy.js';
export { BearerTokenStrategy, type BearerVerifyCallback } from './resource/bearer-token.strategy.js';
export { DeviceGrantAuthGuard } from './resource/device-grant-auth.guard.js';
export { RequireScopes, REQUIRED_SCOPES } from './resource/require-scopes.decorator.js';
export { AuthenticatedPrincipal, type DeviceGrantPrincipal } from './resource/device-grant-principal.js';
export { DeviceGrantTokenVerifier } from './resource/device-grant-token.verifier.js';
export { DEVICE_GRANT_TOKEN_REVOCATIONS, InjectTokenRevocations, type TokenRevocations } from './resource/token-revocations.js';
export {
  AuthorizationServerMetadataService,
  AuthorizationServerUnavailable,
  type AuthorizationServerMetadata,
} from './resource/authorization-server-metadata.service.js';
export {
  BearerError,
  InsufficientScope,
  InvalidBearerRequest,
  InvalidToken,
  MissingBearerToken,
  bearerChallenge,
} from './resource/bearer-errors.js';
export { extractBearerToken, type BearerRequest } from './resource/bearer-token.js';
export * from './events/device-grant-events.js';
export { DeviceGrantEvents } from './events/device-grant-events.service.js';
export { HousekeepingService } from './housekeeping/housekeeping.service.js';
export {
  DEVICE_GRANT_STORE,
  InjectDeviceGrantStore,
  WRITE_DURABILITY,
  type AccessTokenStore,
  type ClientStore,
  type ConnectedGrant,
  type DeletedClientCounts,
  type DeviceGrantStore,
  type Durability,
  type GrantStore,
  type RateLimitStore,
  type RefreshTokenStore,
  type RefreshTokenUse,
  type ServerSecretStore,
  type SigningKeyStore,
  type StoreMaintenance,
  type StoreWrite,
} from './persistence/device-grant-store.js';
export type * from './persistence/records.js';
