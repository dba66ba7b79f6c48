import pg from 'pg';

/** The PostgreSQL the tests use: `TEST_POSTGRES_URL`, else the local one (trust auth, database `test`). */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh, empty database for one test file, or a reason why there is none. In CI a missing
 * PostgreSQL is an error, not a skip.
 */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | { skip: string }> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    const reason = `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (${(error as Error).message})`;
    if (process.env.CI) throw new Error(`${reason}; CI must run the PostgreSQL tests`);
    return { skip: `${reason}: skipping the PostgreSQL tests` };
  }
  const name = `dgk_test_${process.pid}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
