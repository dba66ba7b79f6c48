// Compares two builds of the server on one workload, side by side with the bare route, in turns:
//
//   cp -r dist .bench-dist   # the build to compare against (inside the project, for its node_modules),
//                            # then change the code and `npm run build`
//   node bench/compare-builds.mjs .bench-dist dist [--postgres] [--hammer] [--rounds=8] [--slice=1]
//
// The bare route, the "before" build and the "after" build each run in their own process pinned to CPU 0;
// the bench's own workloads and turns (`interleaved` in bench/load.ts, from the "after" build) give each
// a `--slice`-second turn of load per round, in reversed order every other round, so that this VM's slow
// spells fall on all three alike. Prints req/s, p99, the server's CPU time per request and req/s as a
// share of the bare POST's. Not part of `npm run bench`:
// it answers "did this change help?" within seconds, where the full bench compares systems.
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const [beforeDir, afterDir] = argv.filter((arg) => !arg.startsWith('--'));
if (!beforeDir || !afterDir) {
  console.error('usage: node bench/compare-builds.mjs <before-dist> <after-dist> [--postgres] [--hammer] [--rounds=N] [--slice=S]');
  process.exit(2);
}
const option = (name, fallback) => Number(argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const POSTGRES = argv.includes('--postgres');
const HAMMER = argv.includes('--hammer');
const ROUNDS = option('rounds', 8);
const SLICE = option('slice', 1);
const CODES = 120_000;

const load = (dir, file) => import(pathToFileURL(resolve(dir, file)).href);
const before = await load(beforeDir, 'bench/server-child.js');
const after = await load(afterDir, 'bench/server-child.js');
const { benchDeviceCode } = await load(afterDir, 'bench/bench-codes.js');
const { pollPending, pollHammered, postOk } = await load(afterDir, 'bench/workloads.js');
const { interleaved, withMeasureHooks } = await load(afterDir, 'bench/load.js');
const { createPostgresDatabase } = await load(afterDir, 'test/support/postgres.js');

before.pinSelf(1);
const databases = [];
async function ourServer(module, name) {
  let databaseUrl;
  if (POSTGRES) {
    const database = await createPostgresDatabase();
    if ('skip' in database) throw new Error(database.skip);
    databases.push(database);
    databaseUrl = database.url;
  } else {
    mkdirSync(resolve('bench/results/db'), { recursive: true });
    const file = resolve(`bench/results/db/compare-${process.pid}-${name}.sqlite`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    databases.push({ drop: async () => ['', '-wal', '-shm'].forEach((suffix) => rmSync(file + suffix, { force: true })) });
    databaseUrl = `sqlite:${file}`;
  }
  const server = await module.ServerChild.start({ kind: 'device-grant', cpu: 0, databaseUrl });
  await server.call('seedGrants', { from: 0, to: HAMMER ? 1 : CODES });
  await server.call('settle');
  return server;
}
const servers = {
  bare: await before.ServerChild.start({ kind: 'nest-bare', cpu: 0 }),
  before: await ourServer(before, 'before'),
  after: await ourServer(after, 'after'),
};

// The bench's own workloads, measured in the bench's turns (`interleaved`), one slice per round.
const settings = { connections: 50, warmup: 2, duration: ROUNDS * SLICE };
const codes = Array.from({ length: CODES }, (_, i) => benchDeviceCode(i));
const workload = (name) => {
  const { url } = servers[name];
  if (name === 'bare') return postOk(url, settings, '/bare');
  return HAMMER ? pollHammered(url, settings) : pollPending(url, settings, codes);
};
const results = {};
await interleaved(
  Object.keys(servers).map((name) => async () => {
    const server = servers[name];
    let cpu = 0;
    let sliceStarted = NaN;
    const hooks = { sliceStart: () => (sliceStarted = server.cpuSeconds()), sliceEnd: () => (cpu += server.cpuSeconds() - sliceStarted) };
    const result = await withMeasureHooks(hooks, () => workload(name));
    results[name] = { ...result, cpu };
  }),
  SLICE,
);

console.log(`${HAMMER ? 'one code hammered' : `${CODES.toLocaleString('en')} pending codes`} on ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${ROUNDS} rounds of ${SLICE} s turns`);
for (const [name, { rps, p99, total, cpu, errors }] of Object.entries(results)) {
  console.log(
    `${name.padEnd(7)} ${Math.round(rps).toLocaleString('en').padStart(7)} req/s  p99 ${p99.toFixed(1)} ms  ${((cpu * 1e6) / total).toFixed(1).padStart(6)} µs CPU/req  ${(rps / results.bare.rps).toFixed(3)} × bare POST  ${errors} unexpected`,
  );
}
for (const server of Object.values(servers)) await server.stop();
for (const database of databases) await database.drop();
