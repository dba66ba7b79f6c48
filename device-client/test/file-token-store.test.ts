import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileTokenStore, MemoryTokenStore, TokenStoreError, type StoredState } from '../src/index.js';
import { run, waitFor } from '../test-support/helpers/child.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'device-client-'));
  dirs.push(dir);
  return dir;
}

const state: StoredState = {
  tokens: { accessToken: 'access-SECRET', tokenType: 'Bearer', refreshToken: 'refresh-SECRET', issuedAt: 1, expiresAt: 2 },
  pending: {
    deviceCode: 'device-SECRET',
    userCode: 'WDJB-MJHT',
    verificationUri: 'https://as.example/device',
    interval: 10,
    requestedAt: 1,
    expiresAt: 900_001,
  },
};

const fastScrypt = { N: 2 ** 10, r: 8, p: 1 };

function storeError(code: string): (error: unknown) => boolean {
  return (error) => error instanceof TokenStoreError && error.code === code;
}

describe('FileTokenStore', () => {
  it('round-trips the state in a file of mode 0600 with a schema version, in a directory it creates 0700', async () => {
    const dir = await tempDir();
    const path = join(dir, 'nested', 'tokens.json');
    const store = new FileTokenStore(path);
    assert.equal(await store.load(), undefined);
    await store.save(state);
    assert.deepEqual(await new FileTokenStore(path).load(), state);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'nested'))).mode & 0o777, 0o700);
    const file = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(file.format, 'device-grant-kit/token-store');
    assert.equal(file.version, 1);
    assert.deepEqual(await readdir(join(dir, 'nested')), ['tokens.json'], 'no temp file left');
    await store.clear();
    assert.equal(await store.load(), undefined);
    await store.clear();
  });

  it('ignores a half-written temp file left by a crash, and removes it on the next save', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    await new FileTokenStore(path).save(state);
    const orphan = `${path}.999999999.deadbeef.tmp`;
    await writeFile(orphan, '{"format":"device-grant-kit/token-store","version":1,"data":{"tok');
    const store = new FileTokenStore(path);
    assert.deepEqual(await store.load(), state);
    await store.save({ tokens: state.tokens });
    assert.deepEqual(await readdir(dir), ['tokens.json']);
  });

  it('reports a corrupt file, a foreign file and a newer schema version instead of guessing', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path);
    await writeFile(path, '{"format":"device-grant-kit/token-st');
    await assert.rejects(store.load(), storeError('corrupt'));
    await writeFile(path, '{"hello":"world"}');
    await assert.rejects(store.load(), storeError('corrupt'));
    await writeFile(path, JSON.stringify({ format: 'device-grant-kit/token-store', version: 1, data: { tokens: { accessToken: 5 } } }));
    await assert.rejects(store.load(), storeError('corrupt'));
    await writeFile(path, JSON.stringify({ format: 'device-grant-kit/token-store', version: 2, data: {} }));
    await assert.rejects(store.load(), storeError('unsupported-version'));
  });

  it('encrypts with a passphrase (scrypt, salt in the file) and fails with the wrong one or none', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    await new FileTokenStore(path, { passphrase: 'correct horse', scrypt: fastScrypt }).save(state);
    const text = await readFile(path, 'utf8');
    assert.doesNotMatch(text, /SECRET|WDJB/);
    const file = JSON.parse(text);
    assert.equal(file.encryption.alg, 'A256GCM');
    assert.equal(file.encryption.kdf, 'scrypt');
    assert.equal(Buffer.from(file.encryption.salt, 'base64').length, 16);
    assert.deepEqual(await new FileTokenStore(path, { passphrase: 'correct horse' }).load(), state);
    await assert.rejects(new FileTokenStore(path, { passphrase: 'wrong horse' }).load(), storeError('decrypt'));
    await assert.rejects(new FileTokenStore(path).load(), storeError('decrypt'));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('encrypts with a key file (raw, hex or base64) and fails with another key or a tampered file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    const key = randomBytes(32);
    const owner = { mode: 0o600 };
    await writeFile(join(dir, 'raw.key'), key, owner);
    await writeFile(join(dir, 'hex.key'), `${key.toString('hex')}\n`, owner);
    await writeFile(join(dir, 'b64.key'), key.toString('base64'), owner);
    await writeFile(join(dir, 'other.key'), randomBytes(32), owner);
    await writeFile(join(dir, 'short.key'), randomBytes(16), owner);
    await new FileTokenStore(path, { keyFile: join(dir, 'raw.key') }).save(state);
    assert.doesNotMatch(await readFile(path, 'utf8'), /SECRET/);
    assert.deepEqual(await new FileTokenStore(path, { keyFile: join(dir, 'hex.key') }).load(), state);
    assert.deepEqual(await new FileTokenStore(path, { keyFile: join(dir, 'b64.key') }).load(), state);
    await assert.rejects(new FileTokenStore(path, { keyFile: join(dir, 'other.key') }).load(), storeError('decrypt'));
    await assert.rejects(new FileTokenStore(path, { keyFile: join(dir, 'short.key') }).load(), storeError('key'));
    await assert.rejects(new FileTokenStore(path, { keyFile: join(dir, 'missing.key') }).load(), storeError('key'));
    await assert.rejects(new FileTokenStore(path, { passphrase: 'x' }).load(), storeError('decrypt'));

    const file = JSON.parse(await readFile(path, 'utf8'));
    const tampered = Buffer.from(file.ciphertext, 'base64');
    tampered[0]! ^= 1;
    await writeFile(path, JSON.stringify({ ...file, ciphertext: tampered.toString('base64') }));
    await assert.rejects(new FileTokenStore(path, { keyFile: join(dir, 'raw.key') }).load(), storeError('decrypt'));
  });

  it('hardened against a crafted file: a cut GCM tag, out-of-bounds scrypt parameters, a key file others can read', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    const keyFile = join(dir, 'store.key');
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    await new FileTokenStore(path, { keyFile }).save(state);
    const file = JSON.parse(await readFile(path, 'utf8'));
    // The same file with its tag cut to 4 bytes: without the length check, GCM accepts a short tag.
    await writeFile(path, JSON.stringify({ ...file, encryption: { ...file.encryption, tag: Buffer.from(file.encryption.tag, 'base64').subarray(0, 4).toString('base64') } }));
    await assert.rejects(new FileTokenStore(path, { keyFile }).load(), (error: unknown) => storeError('decrypt')(error) && /tag must be 16 bytes/.test((error as Error).message));
    // A key file readable by the group or others is refused (the intact file again, so nothing else fails first).
    await writeFile(path, JSON.stringify(file));
    const loose = join(dir, 'loose.key');
    await writeFile(loose, randomBytes(32), { mode: 0o644 });
    await chmod(loose, 0o644);
    await assert.rejects(new FileTokenStore(path, { keyFile: loose }).load(), (error: unknown) => storeError('key')(error) && /readable by others \(mode 0644\)/.test((error as Error).message));
    // Passphrase stores: parameters that would ask scrypt for gigabytes are refused before it runs.
    const secured = join(dir, 'passphrase.json');
    await new FileTokenStore(secured, { passphrase: 'correct horse', scrypt: { N: 2 ** 10, r: 8, p: 1 } }).save(state);
    const stored = JSON.parse(await readFile(secured, 'utf8'));
    for (const params of [{ N: 2 ** 30 }, { N: 2 ** 20, r: 32 }, { N: 1000 }, { p: 1_000_000 }]) {
      await writeFile(secured, JSON.stringify({ ...stored, encryption: { ...stored.encryption, ...params } }));
      await assert.rejects(new FileTokenStore(secured, { passphrase: 'correct horse' }).load(), (error: unknown) => storeError('corrupt')(error) && /scrypt parameters out of bounds/.test((error as Error).message), JSON.stringify(params));
    }
    assert.throws(() => new FileTokenStore(secured, { passphrase: 'x', scrypt: { N: 2 ** 30, r: 8, p: 1 } }), /scrypt parameters out of bounds/);
  });

  it('a process killed (SIGKILL) in the middle of saving, many times over, never leaves a corrupt or missing store', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    await new FileTokenStore(path).save({ tokens: { accessToken: 'at-0-', tokenType: 'Bearer', refreshToken: 'rt-0', issuedAt: 0 } });
    for (let round = 0; round < 12; round++) {
      const { child, output } = run('save-loop', [path]);
      await waitFor(child, 'ready');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30)); // a real, random moment mid-save
      child.kill('SIGKILL');
      assert.equal((await output).code, null);
      const loaded = await new FileTokenStore(path).load();
      const i = /^rt-(\d+)$/.exec(loaded?.tokens?.refreshToken ?? '')?.[1];
      assert.ok(i !== undefined, `round ${round}: a complete store`);
      assert.ok(loaded!.tokens!.accessToken.startsWith(`at-${i}-`), 'access and refresh token from the same save');
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    }
    await new FileTokenStore(path).save(state);
    assert.deepEqual(await readdir(dir), ['tokens.json'], 'temp files of killed processes were removed');
  });

  it('lock(): kept alive while held, so a holder busy longer than lockStaleAfter (a slow refresh) is not taken for a hung one', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path, { lockStaleAfter: 0.3, lockTimeout: 0.6 });
    const release = await store.lock();
    await new Promise((resolve) => setTimeout(resolve, 800)); // real time: the lock's age is its file's mtime
    await assert.rejects(store.lock(), storeError('lock-timeout'), 'the second taker waits for it instead of breaking it');
    await release();
    await (await store.lock())();
  });

  it('lock(): exclusive; a lock left by a dead process or too old is broken', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tokens.json');
    const store = new FileTokenStore(path, { lockStaleAfter: 1 });
    const release = await store.lock();
    let second = false;
    const waiting = store.lock().then((r) => {
      second = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // real time: the lock is retried on real timers
    assert.equal(second, false, 'the second taker waits');
    await release();
    await (await waiting)();

    // Left behind by a process that no longer exists.
    const { child, output } = run('hold-lock', [path]);
    await waitFor(child, 'locked');
    child.kill('SIGKILL');
    await output;
    const started = Date.now();
    await (await store.lock())();
    assert.ok(Date.now() - started < 500, 'dead holder detected at once');

    // Held by a live process for longer than lockStaleAfter: treated as hung.
    const live = run('hold-lock', [path]);
    await waitFor(live.child, 'locked');
    const old = new Date(Date.now() - 5000);
    await utimes(`${path}.lock`, old, old);
    await (await store.lock())();
    live.child.stdin!.end();
    await live.output;
  });
});

describe('MemoryTokenStore', () => {
  it('round-trips copies of the state', async () => {
    const store = new MemoryTokenStore();
    await store.save(state);
    const loaded = await store.load();
    assert.deepEqual(loaded, state);
    loaded!.tokens!.accessToken = 'changed';
    assert.equal((await store.load())!.tokens!.accessToken, 'access-SECRET');
    await store.clear();
    assert.equal(await store.load(), undefined);
  });
});
