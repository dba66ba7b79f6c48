import type { DataSource } from 'typeorm';
import { DEMO_CREDENTIALS } from '../src/demo/demo-seed.service.js';
import { benchDeviceCodeHash, benchId, benchRefreshTokenHash, benchUserCode } from './bench-codes.js';

/** Rows per multi-row INSERT: large enough to be fast, small enough for either driver. */
const BATCH = 1000;

const GRANT_COLUMNS =
  '"id", "device_code_hash", "user_code", "client_id", "scope", "status", "poll_interval", "created_at", "expires_at"';
const REFRESH_COLUMNS =
  '"id", "token_hash", "family_id", "grant_id", "client_id", "subject", "scope", "created_at", "expires_at"';

/**
 * Bulk-inserts pending device grants `from … to-1` with raw multi-row INSERTs in one transaction:
 * the same rows `POST /oauth/device_authorization` writes, minus the optional device details.
 * Every value is generated here (no user input), so literals are safe and spare the parameter limits.
 */
export async function seedPendingGrants(
  dataSource: DataSource,
  from: number,
  to: number,
  options: { ttlSeconds?: number; interval?: number } = {},
): Promise<void> {
  const now = Date.now();
  const expiresAt = now + (options.ttlSeconds ?? 3600) * 1000;
  const interval = options.interval ?? 5;
  const client = DEMO_CREDENTIALS.publicClientId;
  await dataSource.transaction(async (manager) => {
    for (let start = from; start < to; start += BATCH) {
      const values: string[] = [];
      for (let i = start; i < Math.min(start + BATCH, to); i++) {
        values.push(
          `('${benchId(1, i)}', '${benchDeviceCodeHash(i)}', '${benchUserCode(i)}', '${client}', 'openid offline_access', 'pending', ${interval}, ${now}, ${expiresAt})`,
        );
      }
      await manager.query(`INSERT INTO "dg_device_grant" (${GRANT_COLUMNS}) VALUES ${values.join(', ')}`);
    }
  });
}

/** Bulk-inserts live refresh tokens `from … to-1`, one family each, for the demo device client. */
export async function seedRefreshTokens(dataSource: DataSource, from: number, to: number): Promise<void> {
  const now = Date.now();
  const expiresAt = now + 30 * 24 * 3600 * 1000;
  const client = DEMO_CREDENTIALS.publicClientId;
  await dataSource.transaction(async (manager) => {
    for (let start = from; start < to; start += BATCH) {
      const values: string[] = [];
      for (let i = start; i < Math.min(start + BATCH, to); i++) {
        values.push(
          `('${benchId(2, i)}', '${benchRefreshTokenHash(i)}', '${benchId(3, i)}', '${benchId(4, i)}', '${client}', 'bench-user-${i}', 'openid profile offline_access', ${now}, ${expiresAt})`,
        );
      }
      await manager.query(`INSERT INTO "dg_refresh_token" (${REFRESH_COLUMNS}) VALUES ${values.join(', ')}`);
    }
  });
}
