import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_KEY_ENCRYPTION_KEY } from '../support/test-keys.js';

/** The compiled CLI `npm run admin` starts. */
export const ADMIN_CLI = fileURLToPath(new URL('../../src/admin/cli.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run admin -- ...args` as its own process on the given database. */
export function admin(databaseUrl: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ADMIN_CLI, ...args],
      {
        // PostgreSQL needs the key-encryption key the tests' servers use.
        env: { ...process.env, DATABASE_URL: databaseUrl, ...(databaseUrl.startsWith('postgres') ? { KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY } : {}) },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `admin(...)` that must succeed; its stdout as JSON when `--json` was passed. */
export async function adminOk(databaseUrl: string, ...args: string[]): Promise<any> {
  const run = await admin(databaseUrl, ...args);
  if (run.code !== 0) throw new Error(`admin ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return args.includes('--json') ? JSON.parse(run.stdout) : run.stdout;
}

/**
 * A server instance answers client lookups from memory for up to 2 s (`ClientService`), so a change
 * made by another process (this CLI) reaches it within that time. A real wait: that cache runs on the
 * monotonic clock (`performance.now()`), not on the injected one.
 */
export function clientCacheExpiry(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2_200));
}
