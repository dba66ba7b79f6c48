// Compares two builds of the server on one workload, side by side with the bare route, in turns:
//
//   cp -r dist .bench-dist   # the build to compare against (inside the project, for its node_modules),
//                            # then change the code and `npm run build`
//   node bench/compare-builds.mjs .bench-dist dist [--workload=poll|hammer|issue|refresh|me] [--postgres]
//                            [--empty-route] [--rounds=8] [--slice=1]
//
// Workloads (the bench's own, from bench/workloads.ts): `poll` (default: 120,000 pending grants
// round-robin), `hammer` (one code, slow_down; `--hammer` says the same), `issue` (device
// authorization), `refresh` (rotation, each request spends one of the pre-issued refresh tokens),
// `me` (`GET /api/me` with one access token, through the resource guard). The bare route answers the
// same method: the bare POST with a poll's body, the bare GET for `me`. `--empty-route` adds the
// "after" build's empty token route (bench/servers/empty-token-route.server.ts) as a fourth member, and
// prints each build's CPU per request over it (issue 15's poll ceiling: 1.4×).
//
// The bare route, the "before" build and the "after" build each run in their own process pinned to CPU 0;
// the bench's own workloads and turns (`interleaved` in bench/load.ts, from the "after" build) give each
// a `--slice`-second turn of load per round, in reversed order every other round, so that this VM's slow
// spells fall on all of them alike. Prints req/s, p99, the server's CPU time per request and req/s as a
// share of the bare route's. Not part of `npm run bench`:
// it answers "did this change help?" within seconds, where the full bench compares systems.
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const [beforeDir, afterDir] = argv.filter((arg) => !arg.startsWith('--'));
const WORKLOADS = ['poll', 'hammer', 'issue', 'refresh', 'me'];
const text = (name, fallback) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const WORKLOAD = argv.includes('--hammer') ? 'hammer' : text('workload', 'poll');
if (!beforeDir || !afterDir || !WORKLOADS.includes(WORKLOAD)) {
  console.error(
    `usage: node bench/compare-builds.mjs <before-dist> <after-dist> [--workload=${WORKLOADS.join('|')}] [--postgres] [--empty-route] [--rounds=N] [--slice=S]`,
  );
  process.exit(2);
}
const option = (name, fallback) => Number(text(name, fallback));
const POSTGRES = argv.includes('--postgres');
const EMPTY_ROUTE = argv.includes('--empty-route');
const ROUNDS = option('rounds', 8);
const SLICE = option('slice', 1);
const CODES = 120_000;
// The bench's own settings for one server's share: warm-up, then its slices.
const settings = { connections: 50, warmup: 2, duration: ROUNDS * SLICE };
/** Refresh tokens each build gets: each request spends one, at up to 8,000 refreshes a second. */
const REFRESH_TOKENS = 8_000 * (settings.warmup + settings.duration);

const load = (dir, file) => import(pathToFileURL(resolve(dir, file)).href);
const before = await load(beforeDir, 'bench/server-child.js');
const after = await load(afterDir, 'bench/server-child.js');
const { benchDeviceCode } = await load(afterDir, 'bench/bench-codes.js');
const { accessTokenFor, getOk, issuance, pollPending, pollHammered, postOk, refresh } = await load(afterDir, 'bench/workloads.js');
const { interleaved, withMeasureHooks } = await load(afterDir, 'bench/load.js');
const { createPostgresDatabase } = await load(afterDir, 'test/support/postgres.js');

before.pinSelf(1);
const databases = [];
/** One build's server on a fresh database, seeded for the workload; `use` is what the workload needs of it. */
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
  if (WORKLOAD === 'poll') await server.call('seedGrants', { from: 0, to: CODES });
  if (WORKLOAD === 'hammer') await server.call('seedGrants', { from: 0, to: 1 });
  if (WORKLOAD === 'refresh') await server.call('seedRefreshTokens', { from: 0, to: REFRESH_TOKENS });
  if (WORKLOAD === 'me') {
    await server.call('seedRefreshTokens', { from: 0, to: 1 });
    server.headers = { authorization: `Bearer ${await accessTokenFor(server.url, 0)}` };
  }
  await server.call('settle');
  return server;
}
const servers = {
  bare: await before.ServerChild.start({ kind: 'nest-bare', cpu: 0 }),
  before: await ourServer(before, 'before'),
  after: await ourServer(after, 'after'),
  ...(EMPTY_ROUTE ? { empty: await after.ServerChild.start({ kind: 'empty-token-route', cpu: 0 }) } : {}),
};

// The bench's own workloads, measured in the bench's turns (`interleaved`), one slice per round.
const codes = Array.from({ length: CODES }, (_, i) => benchDeviceCode(i));
const workload = (name) => {
  const { url, headers } = servers[name];
  if (name === 'bare') return WORKLOAD === 'me' ? getOk(url, settings, '/bare') : postOk(url, settings, '/bare');
  if (name === 'empty') return pollPending(url, settings, codes.slice(0, 1000));
  if (WORKLOAD === 'hammer') return pollHammered(url, settings);
  if (WORKLOAD === 'issue') return issuance(url, settings);
  if (WORKLOAD === 'refresh') return refresh(url, settings, REFRESH_TOKENS);
  if (WORKLOAD === 'me') return getOk(url, settings, '/api/me', headers);
  return pollPending(url, settings, codes);
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

const described = {
  poll: `${CODES.toLocaleString('en')} pending codes`,
  hammer: 'one code hammered',
  issue: 'device authorization (issuance)',
  refresh: `refresh with rotation (${REFRESH_TOKENS.toLocaleString('en')} pre-issued tokens each)`,
  me: 'GET /api/me through the resource guard (one access token)',
}[WORKLOAD];
const bareName = WORKLOAD === 'me' ? 'bare GET' : 'bare POST';
console.log(`${described} on ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${ROUNDS} rounds of ${SLICE} s turns`);
const cpuPerRequest = ({ cpu, total }) => (cpu * 1e6) / total;
for (const [name, result] of Object.entries(results)) {
  const { rps, p99, errors } = result;
  const vsEmpty = results.empty && name !== 'empty' && name !== 'bare' ? `  ${(cpuPerRequest(result) / cpuPerRequest(results.empty)).toFixed(2)} × empty route CPU` : '';
  console.log(
    `${name.padEnd(7)} ${Math.round(rps).toLocaleString('en').padStart(7)} req/s  p99 ${p99.toFixed(1)} ms  ${cpuPerRequest(result).toFixed(1).padStart(6)} µs CPU/req  ${(rps / results.bare.rps).toFixed(3)} × ${bareName}  ${errors} unexpected${vsEmpty}`,
  );
}
console.log(`after / before: ${(results.after.rps / results.before.rps).toFixed(2)}× req/s, ${(cpuPerRequest(results.after) / cpuPerRequest(results.before)).toFixed(2)}× CPU/req`);
for (const server of Object.values(servers)) await server.stop();
for (const database of databases) await database.drop();
