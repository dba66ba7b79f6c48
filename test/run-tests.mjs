// Runs every test (unit specs next to the code, end-to-end scenarios in test/, the device-client's own)
// with Node's test runner and closes with the plain line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, pattern) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? collect(path, pattern) : pattern.test(name) ? [path] : [];
  });
}

// A hung await fails the run instead of hanging it: --test-timeout bounds each test file (on Node 20 the
// runner applies it to each file's process as a whole; a timed-out file counts as failed). The slowest
// file, test/scale-out/multi-instance (fleets of two and three server processes, 4,000 polls, two 14 s
// slow_down waits), took 50 s on two cores shared with other work; five minutes leaves room for a
// loaded CI machine and still ends a hang.
const FILE_TIMEOUT_MS = 300_000;

const only = process.argv.slice(2);
const files = [
  ...collect('dist/src', /\.spec\.js$/),
  ...collect('dist/test', /\.test\.js$/),
  ...collect('device-client/dist-test/test', /\.test\.js$/),
].filter((file) => only.length === 0 || only.some((part) => file.includes(part)));

const tap = join(process.env.TMPDIR ?? '/tmp', `dgk-tests-${process.pid}.tap`);
const result = spawnSync(
  process.execPath,
  ['--test', `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (name) => Number([...summary.matchAll(new RegExp(`^# ${name} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + count('cancelled');
// A skipped suite (describe with { skip }, e.g. the browser tests without Chromium) creates no tests,
// so the summary's "skipped" misses it; every skipped test or suite has its own "# SKIP" line.
const skipLines = [...summary.matchAll(/^\s*ok \d+ .*# SKIP/gm)].length;
const skipped = Math.max(count('skipped'), skipLines) + count('todo');
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(result.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
