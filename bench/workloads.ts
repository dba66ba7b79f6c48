import { setTimeout as sleep } from 'node:timers/promises';
import { DEVICE_CODE_GRANT_TYPE } from '../src/constants.js';
import { benchDeviceCode, benchRefreshToken } from './bench-codes.js';
import { FORM, percentile, runLoad, type LoadResult, type Verdict } from './load.js';
import type { ServerChild } from './server-child.js';

/** What every load workload gets. */
export interface LoadSettings {
  connections: number;
  warmup: number;
  duration: number;
}

export const DEMO_DEVICE = 'demo-device';
const DEVICE_GRANT = encodeURIComponent(DEVICE_CODE_GRANT_TYPE);

/** The OAuth error code of a JSON error body, or undefined. */
function oauthError(body: string): string | undefined {
  return /"error":"([a-z_]+)"/.exec(body)?.[1];
}

const okOn200 = (status: number): Verdict => (status === 200 ? 'ok' : 'unexpected');

/** Expected answers to a poll of a pending grant. */
function pendingVerdict(allowed: string[]) {
  return (status: number, body: string): Verdict =>
    status === 400 && allowed.includes(oauthError(body) ?? '') ? 'expected' : 'unexpected';
}

export function pollBody(deviceCode: string, clientId = DEMO_DEVICE): string {
  return `grant_type=${DEVICE_GRANT}&device_code=${deviceCode}&client_id=${clientId}`;
}

/** Issuance: `POST /oauth/device_authorization` by the public demo device (each answer a new durable grant). */
export function issuance(url: string, load: LoadSettings, path = '/oauth/device_authorization', clientId = DEMO_DEVICE, scope = 'openid offline_access') {
  const body = `client_id=${clientId}&scope=${encodeURIComponent(scope)}`;
  return runLoad({ ...load, url, method: 'POST', path, headers: FORM, body: () => body, classify: okOn200 });
}

/**
 * Well-behaved devices: every request polls a different pending grant, round-robin over `codes`, so
 * a code comes back only after `codes.length / rate` seconds (the caller checks that this exceeds the
 * interval; any `slow_down` is counted as an error).
 */
export function pollPending(url: string, load: LoadSettings, codes: string[], options: { path?: string; clientId?: string } = {}) {
  let next = 0;
  const bodies = codes.map((code) => pollBody(code, options.clientId));
  return runLoad({
    ...load,
    url,
    method: 'POST',
    path: options.path ?? '/oauth/token',
    headers: FORM,
    body: () => bodies[next++ % bodies.length],
    classify: pendingVerdict(['authorization_pending']),
  });
}

/** One device code hammered by every connection: all but the first answer must be `slow_down`. */
export function pollHammered(url: string, load: LoadSettings) {
  const body = pollBody(benchDeviceCode(0));
  return runLoad({
    ...load,
    url,
    method: 'POST',
    path: '/oauth/token',
    headers: FORM,
    body: () => body,
    classify: pendingVerdict(['slow_down', 'authorization_pending']),
  });
}

/** The `refresh_token` of a token response, or undefined. */
function refreshTokenOf(body: string): string | undefined {
  return /"refresh_token":"([^"]+)"/.exec(body)?.[1];
}

/** A refresh is answered 200 with a new refresh token (rotation), not the one it spent. */
function rotatedVerdict(status: number, body: string, context: Record<string, unknown>): Verdict {
  const issued = status === 200 ? refreshTokenOf(body) : undefined;
  return issued !== undefined && issued !== context.spent ? 'ok' : 'unexpected';
}

/** Refresh with rotation: each request spends one of `count` pre-issued refresh tokens. */
export function refresh(url: string, load: LoadSettings, count: number) {
  let next = 0;
  return runLoad({
    ...load,
    url,
    method: 'POST',
    path: '/oauth/token',
    headers: FORM,
    body: (context) => {
      context.spent = benchRefreshToken(next++ % count);
      return `grant_type=refresh_token&refresh_token=${context.spent}&client_id=${DEMO_DEVICE}`;
    },
    classify: rotatedVerdict,
  });
}

/**
 * Refresh with rotation where tokens cannot be issued ahead (node-oidc-provider's in-memory adapter
 * keeps 1,000 entries): `chains` devices each spend their latest refresh token, the one the previous
 * answer gave. Before every stretch of load (warm-up, each slice) `mint` gives fresh chains, since a
 * request cut off when a stretch ends may have spent its token without its answer being read.
 */
export function refreshChains(
  url: string,
  load: LoadSettings,
  mint: (count: number) => Promise<string[]>,
  options: { path: string; clientId: string; chains?: number },
) {
  let latest: string[] = [];
  return runLoad({
    ...load,
    url,
    method: 'POST',
    path: options.path,
    headers: FORM,
    beforeRun: async () => {
      latest = await mint(options.chains ?? 2 * load.connections);
    },
    body: (context) => {
      context.spent = latest.pop() ?? 'no-chain-left';
      return `grant_type=refresh_token&refresh_token=${context.spent}&client_id=${options.clientId}`;
    },
    answered: (status, body) => {
      const next = status === 200 ? refreshTokenOf(body) : undefined;
      if (next) latest.push(next);
    },
    classify: rotatedVerdict,
  });
}

/** A plain GET answered 200 (resource guard, activation page, bare route). */
export function getOk(url: string, load: LoadSettings, path: string, headers: Record<string, string> = {}) {
  return runLoad({ ...load, url, method: 'GET', path, headers, classify: okOn200 });
}

/** The POST a poll makes, against a route that answers small JSON (the ceiling with body parsing). */
export function postOk(url: string, load: LoadSettings, path: string) {
  const body = pollBody(benchDeviceCode(0));
  return runLoad({ ...load, url, method: 'POST', path, headers: FORM, body: () => body, classify: okOn200 });
}

/** One token from a pre-issued refresh token, for workloads that need a bearer token. */
export async function accessTokenFor(url: string, refreshIndex: number): Promise<string> {
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: FORM,
    body: `grant_type=refresh_token&refresh_token=${benchRefreshToken(refreshIndex)}&client_id=${DEMO_DEVICE}`,
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no access token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Whether a GET answers anything but 404 (the endpoint exists yet). */
export async function exists(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  return response.status !== 404;
}

export interface ApprovalLatency {
  grants: number;
  interval: number;
  /** approve() called → the device has its 200, milliseconds. */
  endToEnd: number[];
  /** Duration of the redeeming poll itself (request → 200), milliseconds. */
  redeemPoll: number[];
  /** approve() in the server (the conditional update and re-read), milliseconds. */
  approveCall: number[];
  polls: number;
  slowDowns: number;
  errors: string[];
}

/**
 * Approval → first successful poll: `grants` devices poll at their interval (the next poll is sent
 * `interval` seconds after the previous answer, as a client does), starting at random moments in
 * the first interval; each grant is approved (in the server process, as the activation page would)
 * at a random moment in the second. Measured from the approve() call to the device's 200.
 */
export async function approvalLatency(server: ServerChild, grants: number, interval = 5): Promise<ApprovalLatency> {
  const result: ApprovalLatency = { grants, interval, endToEnd: [], redeemPoll: [], approveCall: [], polls: 0, slowDowns: 0, errors: [] };
  const received = new Map<number, bigint>();
  const approvedAt = new Map<number, bigint>();

  const device = async (index: number) => {
    await sleep(Math.random() * interval * 1000);
    let wait = interval;
    const body = pollBody(benchDeviceCode(index));
    for (;;) {
      const sent = process.hrtime.bigint();
      const response = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: FORM, body });
      const text = await response.text();
      const at = process.hrtime.bigint();
      result.polls++;
      if (response.status === 200) {
        received.set(index, at);
        result.redeemPoll.push(Number(at - sent) / 1e6);
        return;
      }
      const error = oauthError(text);
      if (error === 'slow_down') {
        result.slowDowns++;
        wait += 5;
      } else if (error !== 'authorization_pending') {
        result.errors.push(`${response.status} ${text.slice(0, 120)}`);
        return;
      }
      await sleep(wait * 1000);
    }
  };
  const approver = async (index: number) => {
    await sleep((interval + Math.random() * interval) * 1000);
    const { calledAt, doneAt } = await server.call<{ calledAt: string; doneAt: string }>('approve', { index });
    approvedAt.set(index, BigInt(calledAt));
    result.approveCall.push(Number(BigInt(doneAt) - BigInt(calledAt)) / 1e6);
  };
  const indices = Array.from({ length: grants }, (_, i) => i);
  await Promise.all([...indices.map(device), ...indices.map(approver)]);
  for (const index of indices) {
    const end = received.get(index);
    const start = approvedAt.get(index);
    if (end !== undefined && start !== undefined) result.endToEnd.push(Number(end - start) / 1e6);
  }
  return result;
}

/** Sequential single requests: poll latency in microseconds (each code polled once, on time). */
export async function timedPolls(url: string, indices: number[]): Promise<{ micros: number[]; unexpected: number }> {
  const micros: number[] = [];
  let unexpected = 0;
  for (const index of indices) {
    const start = process.hrtime.bigint();
    const response = await fetch(`${url}/oauth/token`, { method: 'POST', headers: FORM, body: pollBody(benchDeviceCode(index)) });
    const text = await response.text();
    micros.push(Number(process.hrtime.bigint() - start) / 1000);
    if (response.status !== 400 || oauthError(text) !== 'authorization_pending') unexpected++;
  }
  return { micros, unexpected };
}

export function summarise(values: number[]): { p50: number; p99: number } {
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

export type { LoadResult };
