// The kit's demo server (`createDemoApp`, Fastify) as a bench child, with seeding and approval over IPC.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createDemoApp } from '../../src/demo/create-demo-app.js';
import { DeviceGrantService } from '../../src/grants/device-grant.service.js';
import { seedPendingGrants, seedRefreshTokens } from '../bench-seed.js';
import { benchUserCode } from '../bench-codes.js';
import { monotonicNs, readSettings, serveIpc } from './serve-ipc.js';

const settings = readSettings();
const issuer = `http://127.0.0.1:${settings.port}`;
// The load comes from one address and one client: rates so high they never refuse, but still counted,
// so issuance is measured with the cost of its rate limits.
const unrefused = { max: 1_000_000_000, window: 60 };
const app = await createDemoApp({
  issuer,
  databaseUrl: settings.databaseUrl,
  limits: { deviceAuthorizationsPerAddress: unrefused, deviceAuthorizationsPerClient: unrefused },
  logger: ['error'],
});
await app.listen(settings.port, '127.0.0.1');
const dataSource = app.get(DataSource);
const grants = app.get(DeviceGrantService);

serveIpc(
  settings.port,
  {
    seedGrants: ({ from, to }: { from: number; to: number }) => seedPendingGrants(dataSource, from, to),
    seedRefreshTokens: ({ from, to }: { from: number; to: number }) => seedRefreshTokens(dataSource, from, to),
    /** One approval as the activation page would do it; returns when it was called and when it committed. */
    approve: async ({ index }: { index: number }) => {
      const calledAt = monotonicNs();
      await grants.approve(benchUserCode(index), `bench-user-${index}`);
      return { calledAt, doneAt: monotonicNs() };
    },
    /** Sequential approvals, each timed in process (microseconds). */
    approveTimed: async ({ indices }: { indices: number[] }) => {
      const micros: number[] = [];
      for (const index of indices) {
        const start = process.hrtime.bigint();
        await grants.approve(benchUserCode(index), `bench-user-${index}`);
        micros.push(Number(process.hrtime.bigint() - start) / 1000);
      }
      return micros;
    },
    /**
     * After a bulk seed: planner statistics (and on PostgreSQL a vacuum), and the seed's writes moved
     * out of the WAL (SQLite) or onto disk (PostgreSQL), so the measured window does not pay for the seed.
     */
    settle: async () => {
      // VACUUM too on PostgreSQL: the inserts would otherwise set off autovacuum in the measured window.
      await dataSource.query(dataSource.options.type === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE');
      await dataSource.query(dataSource.options.type === 'postgres' ? 'CHECKPOINT' : 'PRAGMA wal_checkpoint(TRUNCATE)');
    },
    countGrants: async () => Number((await dataSource.query('SELECT COUNT(*) AS n FROM "dg_device_grant"'))[0].n),
  },
  () => app.close(),
);
