import { link, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { TokenStoreError } from './errors.js';
import { sleep } from './http.js';
import type { ReleaseLock } from './token-store.js';

interface LockInfo {
  pid: number;
  host: string;
  nonce: string;
}

/**
 * Options of {@link acquireFileLock}.
 *
 * @see RFC 6749 §6 (one refresh at a time keeps a rotated refresh token)
 */
export interface FileLockOptions {
  /** A lock older than this (ms) is stale even if its process lives (it hung). */
  staleMs: number;
  /** Give up after waiting this long (ms). */
  timeoutMs: number;
  /** Delay between attempts (ms). */
  retryMs?: number;
}

/**
 * Whether a process with this id exists on this host.
 *
 * @see RFC 6749 §6
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readInfo(path: string): Promise<LockInfo | undefined> {
  try {
    const info: unknown = JSON.parse(await readFile(path, 'utf8'));
    return info && typeof (info as LockInfo).nonce === 'string' ? (info as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a stale lock unless someone replaced it meanwhile (then it is put back). */
async function breakLock(path: string, staleNonce: string | undefined): Promise<void> {
  const grave = `${path}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(path, grave);
  } catch {
    return;
  }
  const moved = await readInfo(grave);
  if (moved?.nonce !== staleNonce) {
    await link(grave, path).catch(() => undefined);
  }
  await unlink(grave).catch(() => undefined);
}

/**
 * Takes an exclusive lock across processes by creating `path` with O_EXCL. A lock whose process
 * is dead (same host) or that is older than `staleMs` is broken.
 *
 * @see RFC 6749 §6 (one refresh at a time keeps a rotated refresh token)
 */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<ReleaseLock> {
  const me: LockInfo = { pid: process.pid, host: hostname(), nonce: randomBytes(12).toString('hex') };
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      // Kept alive while held: its mtime is touched every third of `staleMs`, so a long refresh (a
      // slow network, retries) is never taken for a hung one and broken by a second process.
      const keepAlive = setInterval(() => {
        const now = new Date();
        void readInfo(path).then((info) => (info?.nonce === me.nonce ? utimes(path, now, now) : undefined)).catch(() => undefined);
      }, Math.max(10, Math.floor(options.staleMs / 3)));
      keepAlive.unref();
      return async () => {
        clearInterval(keepAlive);
        if ((await readInfo(path))?.nonce === me.nonce) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = await readInfo(path);
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    const dead = info !== undefined && info.host === me.host && !isAlive(info.pid);
    if (dead || age > options.staleMs) {
      await breakLock(path, info?.nonce);
      continue;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new TokenStoreError('lock-timeout', `could not take the lock ${path}`);
    }
    await sleep(options.retryMs ?? 25);
  }
}
