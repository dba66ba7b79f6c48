#!/usr/bin/env node
// Runs the compiled tests (dist-test/test/**/*.test.js) with Node's test runner, named file by file:
// Node 21+ reads `node --test` arguments as glob patterns and refuses a bare directory, Node 20 reads
// them as paths; a list of files means the same on both.
//
// --test-timeout bounds each test file (on Node 20 the runner applies it to each file's process as a
// whole): a hung await fails the run instead of hanging it. These tests drive a fake server on a
// virtual clock and take a few seconds; one minute per file leaves room for a slow, shared machine.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILE_TIMEOUT_MS = 60_000;

function collect(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? collect(path) : name.endsWith('.test.js') ? [path] : [];
    });
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = collect(join(root, 'dist-test', 'test'));
if (files.length === 0) {
  console.error('no compiled tests in dist-test/test: run `tsc -p tsconfig.test.json` first');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', `--test-timeout=${FILE_TIMEOUT_MS}`, ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
