import type { NewGrant } from '../records.js';
import { BatchedInsert, type InsertColumn } from './batched-insert.js';
import type { SqlRunner } from './sql-runner.js';

const ID: InsertColumn<NewGrant> = { name: 'id', postgresType: 'varchar', value: (grant) => grant.id };

/** The columns a new grant writes; the others start NULL, and `status` 'pending'. */
const COLUMNS: InsertColumn<NewGrant>[] = [
  ID,
  { name: 'device_code_hash', postgresType: 'varchar', value: (grant) => grant.deviceCodeHash },
  { name: 'user_code', postgresType: 'varchar', value: (grant) => grant.userCode },
  { name: 'client_id', postgresType: 'varchar', value: (grant) => grant.clientId },
  { name: 'scope', postgresType: 'text', value: (grant) => grant.scope },
  { name: 'poll_interval', postgresType: 'integer', value: (grant) => grant.interval },
  { name: 'created_at', postgresType: 'bigint', value: (grant) => grant.createdAt },
  { name: 'expires_at', postgresType: 'bigint', value: (grant) => grant.expiresAt },
  { name: 'device_name', postgresType: 'varchar', value: (grant) => grant.deviceName },
  { name: 'device_model', postgresType: 'varchar', value: (grant) => grant.deviceModel },
  { name: 'device_serial', postgresType: 'varchar', value: (grant) => grant.deviceSerial },
  { name: 'request_ip', postgresType: 'varchar', value: (grant) => grant.requestIp },
  { name: 'request_user_agent', postgresType: 'varchar', value: (grant) => grant.requestUserAgent },
];

/**
 * New grants, inserted durably in batches: device authorization requests that arrive together share
 * one multi-row INSERT and one commit. A grant whose user code (or, astronomically unlikely, id or
 * device-code key) is already taken is skipped, so one collision fails no one else's grant; its
 * request draws a new user code. The unique indexes decide, across instances too.
 * @see RFC 8628 §3.2, §6.1
 */
export function grantInserts(runner: SqlRunner): BatchedInsert<NewGrant> {
  return new BatchedInsert(runner, 'dg_device_grant', COLUMNS, ID, { constants: { status: `'pending'` } });
}
