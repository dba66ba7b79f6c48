// Compares two builds of the server on one workload, side by side with the bare route, in turns:
//
//   cp -r dist /tmp/before   # the build to compare against, then change the code and `npm run build`
//   node bench/compare-builds.mjs /tmp/before dist [--postgres] [--hammer] [--rounds=8] [--slice=1]
//
// The bare route, the "before" build and the "after" build each run in their own process pinned to CPU 0;
// autocannon (pinned to CPU 1, 50 connections) gives each a `--slice`-second turn of load, in reversed
// order every other round, so that this VM's slow spells fall on all three alike. Prints req/s, the
// server's CPU time per request and req/s as a share of the bare POST's. Not part of `npm run bench`:
// it answers "did this change help?" within seconds, where the full bench compares systems.
import { createRequire } from 'node:module';
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
const { pollBody } = await load(afterDir, 'bench/workloads.js');
const { createPostgresDatabase } = await load(afterDir, 'test/support/postgres.js');
const autocannon = createRequire(import.meta.url)('autocannon');

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
const bodies = Array.from({ length: HAMMER ? 1 : CODES }, (_, i) => pollBody(benchDeviceCode(i)));
const next = { bare: 0, before: 0, after: 0 };
const expected = HAMMER ? /"error":"(slow_down|authorization_pending)"/ : /"error":"authorization_pending"/;

async function turn(name, seconds) {
  const server = servers[name];
  let unexpected = 0;
  const cpu = server.cpuSeconds();
  const result = await autocannon({
    url: server.url,
    connections: 50,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: name === 'bare' ? '/bare' : '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: bodies[0],
        setupRequest: (request) => ({ ...request, body: bodies[next[name]++ % bodies.length] }),
        onResponse: (status, body) => {
          if (name === 'bare' ? status !== 200 : status !== 400 || !expected.test(body ?? '')) unexpected++;
        },
      },
    ],
  });
  return { requests: result.requests.total, seconds, cpu: server.cpuSeconds() - cpu, unexpected: unexpected + result.errors };
}

const names = Object.keys(servers);
const totals = Object.fromEntries(names.map((name) => [name, { requests: 0, seconds: 0, cpu: 0, unexpected: 0 }]));
for (const name of names) await turn(name, 2); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const name of round % 2 ? [...names].reverse() : names) {
    const part = await turn(name, SLICE);
    for (const key of Object.keys(part)) totals[name][key] += part[key];
  }
}
const rate = (name) => totals[name].requests / totals[name].seconds;
console.log(`${HAMMER ? 'one code hammered' : `${CODES.toLocaleString('en')} pending codes`} on ${POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${ROUNDS} rounds of ${SLICE} s turns`);
for (const name of names) {
  const { requests, cpu, unexpected } = totals[name];
  console.log(
    `${name.padEnd(7)} ${Math.round(rate(name)).toLocaleString('en').padStart(7)} req/s  ${((cpu * 1e6) / requests).toFixed(1).padStart(6)} µs CPU/req  ${(rate(name) / rate('bare')).toFixed(3)} × bare POST  ${unexpected} unexpected`,
  );
}
for (const server of Object.values(servers)) await server.stop();
for (const database of databases) await database.drop();
