import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';
import { Activation1764000000200 } from './1764000000200-activation.js';
import { TokenRevocation1765000000000 } from './1765000000000-token-revocation.js';
import { HousekeepingIndexes1765100000000 } from './1765100000000-housekeeping-indexes.js';
import { ClientSecretRotation1765300000000 } from './1765300000000-client-secret-rotation.js';
import { DeviceGrantHalfFill1765400000000 } from './1765400000000-device-grant-half-fill.js';
import { SigningKeyRevocation1765500000000 } from './1765500000000-signing-key-revocation.js';
import { SignIns1765600000000 } from './1765600000000-sign-ins.js';
import { RefreshRetry1765700000000 } from './1765700000000-refresh-retry.js';

/** The module's migrations, oldest first; each handles SQLite and PostgreSQL. */
export const DEVICE_GRANT_MIGRATIONS = [InitialSchema1764000000000, Activation1764000000200, TokenRevocation1765000000000, HousekeepingIndexes1765100000000, ClientSecretRotation1765300000000, DeviceGrantHalfFill1765400000000, SigningKeyRevocation1765500000000, SignIns1765600000000, RefreshRetry1765700000000];
