export {
  DEVICE_CLIENT_USER_AGENT,
  DeviceClient,
  type DeviceClientOptions,
  type DeviceStatus,
  type LoginOptions,
  type PollRunOptions,
  type StartOptions,
} from './device-client.js';
export {
  discover,
  metadataUrl,
  type AuthorizationServerMetadata,
  type DiscoveryOptions,
  type Endpoints,
} from './discovery.js';
export {
  AccessDeniedError,
  AuthorizationPendingError,
  createOAuthError,
  DeviceMustPairAgainError,
  ExpiredTokenError,
  InvalidClientError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  OAuthError,
  ResponseValidationError,
  SlowDownError,
  TokenStoreError,
  TransportError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  UnsupportedTokenTypeError,
  type OAuthErrorOptions,
  type PairAgainReason,
  type TokenStoreErrorCode,
} from './errors.js';
export {
  FileTokenStore,
  TOKEN_STORE_FORMAT,
  TOKEN_STORE_VERSION,
  type FileTokenStoreOptions,
  type ScryptParameters,
} from './file-token-store.js';
export { MemoryTokenStore } from './memory-token-store.js';
export { formatCountdown, renderPrompt, renderQr, type PromptOptions } from './show.js';
export type { ReleaseLock, TokenStore } from './token-store.js';
export {
  DEVICE_CODE_GRANT_TYPE,
  type Clock,
  type DeviceAuthorizationResponse,
  type DeviceDetails,
  type PendingAuthorization,
  type RetryOptions,
  type StoredState,
  type TokenEndpointResponse,
  type TokenSet,
} from './types.js';
