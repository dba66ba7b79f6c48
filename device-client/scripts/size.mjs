#!/usr/bin/env node
// Measures the library as published: the built dist/*.js (the CLI excluded), gzipped, and the npm
// package size. Run after `npm run build`. Uses esbuild or terser to minify when one is installed;
// otherwise it says so, and reports gzip of the raw output and of the output with comments removed.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const files = readdirSync(dist).filter((f) => f.endsWith('.js') && f !== 'cli.js').sort();
const source = files.map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
const gz = (text) => gzipSync(text, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KiB (${n} B)`;

async function minify(code) {
  try {
    // The library as a consumer ships it: dist/index.js bundled (node built-ins stay external) and minified.
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(root, 'dist', 'index.js')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      external: ['qrcode'],
      write: false,
      logLevel: 'silent',
    });
    return { tool: 'esbuild bundle', code: result.outputFiles[0].text };
  } catch (error) {
    if (process.env.DEBUG) console.error(error);
  }
  try {
    const { minify: terser } = await import('terser');
    return { tool: 'terser', code: (await terser(code, { module: true })).code };
  } catch {}
  return undefined;
}

async function stripComments(code) {
  try {
    const ts = (await import('typescript')).default;
    return ts.transpileModule(code, { compilerOptions: { removeComments: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  } catch {
    return undefined;
  }
}

console.log(`library files: ${files.join(', ')}`);
console.log(`raw:                      ${kb(Buffer.byteLength(source))}, gzip ${kb(gz(source))}`);
const stripped = await stripComments(source);
if (stripped) console.log(`comments removed:         ${kb(Buffer.byteLength(stripped))}, gzip ${kb(gz(stripped))}`);
const minified = await minify(source);
if (minified) {
  console.log(`minified (${minified.tool}):`.padEnd(26) + `${kb(Buffer.byteLength(minified.code))}, gzip ${kb(gz(minified.code))}`);
} else {
  console.log('minified:                 no minifier installed (esbuild or terser); the gzip figures above are unminified');
}
const budget = 15 * 1024;
const measured = minified ? gz(minified.code) : gz(stripped ?? source);
console.log(`budget 15 KiB min+gzip:   ${measured <= budget ? 'within' : 'OVER'} (${kb(measured)}${minified ? '' : ', unminified upper bound'})`);

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
console.log(`npm pack:                 ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked, ${pack.entryCount} files`);
