import type { ValueTransformer } from 'typeorm';

/**
 * Milliseconds since the epoch, stored as a 64-bit integer on every database.
 * PostgreSQL's driver returns `bigint` as a string; this turns it back into a number.
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? value : Number(value)),
};
