import { InitialSchema1764000000000 } from './1764000000000-initial-schema.js';

/** The module's migrations, oldest first; each handles SQLite and PostgreSQL. */
export const DEVICE_GRANT_MIGRATIONS = [InitialSchema1764000000000];
