import type { ClientRecord } from '../persistence/records.js';

/** What a new client record is made of; lifetimes in seconds. */
export interface ClientFields {
  clientId: string;
  name: string;
  /** A confidential client's secret hash (`hashSecret`); null for a public client. */
  secretHash: string | null;
  scopes: readonly string[];
  grantTypes: readonly string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  alwaysIssueRefreshToken?: boolean;
}

/**
 * A client record as both ways of creating one write it (`ClientService.register` for seeding,
 * `ClientAdminService.add` for operators): enabled, no previous secret, lists space-separated.
 */
export function newClientRecord(fields: ClientFields, createdAt: number): ClientRecord {
  return {
    clientId: fields.clientId,
    name: fields.name,
    secretHash: fields.secretHash,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    scopes: fields.scopes.join(' '),
    grantTypes: fields.grantTypes.join(' '),
    accessTokenTtl: fields.accessTokenTtl ?? null,
    refreshTokenTtl: fields.refreshTokenTtl ?? null,
    alwaysIssueRefreshToken: fields.alwaysIssueRefreshToken ?? false,
    disabled: false,
    createdAt,
  };
}
