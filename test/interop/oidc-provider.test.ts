/**
 * Interoperability: the same `@device-grant-kit/device-client` against node-oidc-provider (v9), a
 * server this project did not write, started in the test on 127.0.0.1 with the device flow enabled.
 * Discovery is RFC 8414 (`/.well-known/oauth-authorization-server`, which oidc-provider serves next to
 * the OpenID one). Approval happens either through oidc-provider's own HTTP pages (the user-code
 * form, then its development-only sign-in and consent interactions) or through its models.
 * The client runs on virtual time (oidc-provider sends no `interval`, so the client waits the RFC's
 * default 5 s, virtually); oidc-provider itself runs on real time.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  AccessDeniedError,
  DeviceClient,
  DeviceMustPairAgainError,
  discover,
  FileTokenStore,
  MemoryTokenStore,
  type PendingAuthorization,
  type TokenStore,
} from '@device-grant-kit/device-client';
import { recordingFetch, tempDir } from '../support/device-client-harness.js';

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const CLIENT_ID = 'living-room-tv';
const SCOPE = 'openid profile offline_access';

/** Sleeps return at once and move this clock (oidc-provider does not see it). */
function virtualClock(): { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void>; sleeps: number[]; onSleep?: () => Promise<void> | void } {
  let offset = 0;
  const clock = {
    sleeps: [] as number[],
    onSleep: undefined as undefined | (() => Promise<void> | void),
    now: () => Date.now() + offset,
    async sleep(ms: number, signal?: AbortSignal) {
      signal?.throwIfAborted();
      clock.sleeps.push(ms);
      offset += ms;
      await clock.onSleep?.();
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    },
  };
  return clock;
}

/** A minimal browser: one cookie jar (names only; oidc-provider's cookies do not collide), no redirects followed. */
class Browser {
  private readonly cookies = new Map<string, string>();

  async request(url: string, form?: Record<string, string>): Promise<{ status: number; location?: string; text: string }> {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, location: response.headers.get('location') ?? undefined, text: await response.text() };
  }

  /** Follows redirects (relative to `base`) until a page is rendered. */
  async follow(base: string, first: { status: number; location?: string; text: string }): Promise<{ url: string; text: string }> {
    let answer = first;
    let url = base;
    for (let hops = 0; answer.location && hops < 10; hops++) {
      url = new URL(answer.location, url).href;
      answer = await this.request(url);
    }
    assert.equal(answer.status, 200, answer.text.slice(0, 500));
    return { url, text: answer.text };
  }
}

/** The hidden fields of the first form on a page, and its action. */
function form(html: string): { action?: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1];
    if (name) fields[name] = value ?? '';
  }
  return { action: /<form[^>]*action="([^"]+)"/.exec(html)?.[1], fields };
}

describe('device-client against node-oidc-provider (interoperability)', () => {
  let httpServer: Server;
  let provider: any;
  let issuer: string;
  const temp = tempDir();

  const { info, warn } = console;

  before(async () => {
    // oidc-provider prints development notices (in-memory adapter, dev keys, dev interactions, Node 20)
    // on the console; they are expected here and would only clutter the test output.
    const quiet =
      (print: (...args: unknown[]) => void) =>
      (...args: unknown[]): void => {
        if (!(typeof args[0] === 'string' && args[0].startsWith('oidc-provider '))) print(...args);
      };
    console.info = quiet(info);
    console.warn = quiet(warn);
    const { default: Provider } = await import('oidc-provider');
    httpServer = createServer();
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}`;
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_name: 'Living room TV',
          token_endpoint_auth_method: 'none',
          grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
          response_types: [],
          redirect_uris: [],
        },
      ],
      scopes: ['openid', 'profile', 'offline_access'],
      claims: { openid: ['sub'], profile: ['name'] },
      features: {
        deviceFlow: { enabled: true },
        revocation: { enabled: true },
        devInteractions: { enabled: true },
      },
      findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, name: `Name of ${sub}` }) }),
      // Rotate refresh tokens on every use, as this project's server does.
      rotateRefreshToken: true,
      ttl: { AccessToken: 3600, DeviceCode: 600, RefreshToken: 86_400, Grant: 86_400, Session: 86_400, Interaction: 600 },
    });
    httpServer.on('request', provider.callback());
  });
  after(async () => {
    console.info = info;
    console.warn = warn;
    httpServer.closeAllConnections();
    await new Promise((resolve) => httpServer.close(resolve));
    temp.cleanup();
  });

  /** Approves a user code through oidc-provider's models, as its own interactions would. */
  async function approveByModels(userCode: string, accountId: string, scope = SCOPE): Promise<void> {
    const code = await provider.DeviceCode.findByUserCode(userCode.replace(/[^A-Z]/g, ''));
    assert.ok(code, 'the provider knows the user code');
    const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
    grant.addOIDCScope(scope);
    const grantId = await grant.save();
    Object.assign(code, { accountId, grantId, scope, authTime: Math.floor(Date.now() / 1000) });
    await code.save();
  }

  /** The person opens verification_uri_complete, confirms, signs in and consents on oidc-provider's pages. */
  async function approveOnPages(pending: PendingAuthorization, accountId: string): Promise<string> {
    const browser = new Browser();
    // The complete URI auto-posts the user code with an XSRF token.
    const opened = await browser.request(pending.verificationUriComplete!);
    assert.equal(opened.status, 200, opened.text.slice(0, 300));
    const autoPost = form(opened.text);
    assert.equal(autoPost.fields.user_code, pending.userCode);
    // The confirmation page shows the code again (RFC 8628 §5.4: remote phishing).
    const confirm = await browser.request(`${issuer}/device`, autoPost.fields);
    assert.equal(confirm.status, 200, confirm.text.slice(0, 300));
    assert.ok(confirm.text.includes(pending.userCode), 'the confirmation page shows the code');
    const confirmed = await browser.request(`${issuer}/device`, { ...form(confirm.text).fields, confirm: 'yes' });
    // Sign in (development interactions accept any login).
    const login = await browser.follow(`${issuer}/device`, confirmed);
    assert.match(login.text, /name="login"/);
    const signedIn = await browser.request(new URL(form(login.text).action!, login.url).href, {
      prompt: 'login',
      login: accountId,
      password: 'any',
    });
    // Consent.
    const consent = await browser.follow(login.url, signedIn);
    assert.match(consent.text, /name="prompt" value="consent"/);
    const consented = await browser.request(new URL(form(consent.text).action!, consent.url).href, { prompt: 'consent' });
    const done = await browser.follow(consent.url, consented);
    return done.text;
  }

  function device(store: TokenStore = new MemoryTokenStore()) {
    const clock = virtualClock();
    const record = recordingFetch(clock.now);
    const client = new DeviceClient({ issuer, clientId: CLIENT_ID, scope: SCOPE, store, clock, fetch: record.fetch });
    return { client, clock, record };
  }

  test('discovery: RFC 8414 metadata with the device authorization, token and revocation endpoints', async () => {
    const metadata = await discover(issuer);
    assert.equal(metadata.issuer, issuer);
    assert.equal(metadata.device_authorization_endpoint, `${issuer}/device/auth`);
    assert.equal(metadata.token_endpoint, `${issuer}/token`);
    assert.equal(metadata.revocation_endpoint, `${issuer}/token/revocation`);
    assert.ok((metadata.grant_types_supported as string[]).includes(DEVICE_CODE_GRANT));
  });

  test('start, pending, approval on oidc-provider\'s own pages, tokens, userinfo with fetchWithToken, refresh with rotation, logout with revocation', async () => {
    const path = `${temp.dir}/tokens.json`;
    const { client, clock, record } = device(new FileTokenStore(path));
    let pending: PendingAuthorization | undefined;
    let page = '';
    clock.onSleep = async () => {
      if (clock.sleeps.length === 3) page = await approveOnPages(pending!, 'alice');
    };

    const tokens = await client.login({ onPrompt: (p) => void (pending = p) });

    assert.equal(record.exchanges[0]!.url, `${issuer}/.well-known/oauth-authorization-server`);
    assert.equal(pending!.verificationUri, `${issuer}/device`);
    assert.match(pending!.userCode, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(pending!.interval, 5, 'no interval from the server: the RFC default of 5 s');
    assert.equal(pending!.expiresAt - pending!.requestedAt, 600_000);
    assert.match(page, /Sign-in Success/);
    const polls = record.tokenRequests(DEVICE_CODE_GRANT);
    assert.deepEqual(
      polls.map((p) => p.error ?? p.status),
      ['authorization_pending', 'authorization_pending', 200],
    );
    assert.deepEqual(clock.sleeps, [5000, 5000, 5000]);

    assert.equal(tokens.tokenType, 'Bearer');
    assert.ok(tokens.refreshToken, 'offline_access with the refresh_token grant: a refresh token');
    assert.deepEqual(tokens.scope?.split(' ').sort(), SCOPE.split(' ').sort());
    assert.equal(tokens.expiresAt! - tokens.issuedAt, 3_600_000);
    assert.deepEqual((await new FileTokenStore(path).load())?.tokens, tokens);

    // A protected resource of that server: its userinfo endpoint, with the bearer token.
    const userinfo = await client.fetchWithToken(`${issuer}/me`);
    assert.equal(userinfo.status, 200);
    assert.deepEqual(await userinfo.json(), { sub: 'alice', name: 'Name of alice' });

    // Refresh (RFC 6749 §6): oidc-provider rotates the refresh token; the rotated one is stored.
    const refreshed = await client.getAccessToken({ forceRefresh: true });
    assert.notEqual(refreshed, tokens.accessToken);
    const stored = (await client.store.load())!.tokens!;
    assert.equal(stored.accessToken, refreshed);
    assert.ok(stored.refreshToken);
    assert.notEqual(stored.refreshToken, tokens.refreshToken, 'rotated');
    assert.equal(record.tokenRequests('refresh_token').length, 1);
    assert.equal((await client.fetchWithToken(`${issuer}/me`)).status, 200);

    // Concurrent callers share one refresh against this server too.
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => client.getAccessToken({ forceRefresh: true })));
    assert.equal(new Set(concurrent).size, 1);
    assert.equal(record.tokenRequests('refresh_token').length, 2);

    // Logout: RFC 7009 revocation at oidc-provider's endpoint, then the store is gone.
    const current = (await client.store.load())!.tokens!;
    assert.deepEqual(await client.logout(), { revoked: true });
    assert.equal(record.exchanges.at(-1)!.url, `${issuer}/token/revocation`);
    assert.equal(await client.store.load(), undefined);
    const reuse = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: current.refreshToken!, client_id: CLIENT_ID }),
    });
    assert.equal(reuse.status, 400);
    assert.equal(((await reuse.json()) as { error: string }).error, 'invalid_grant', 'the revoked refresh token is dead');
  });

  test('approval through the provider\'s models; an invalid_grant on refresh makes the device pair again', async () => {
    const { client, clock } = device();
    let pending: PendingAuthorization | undefined;
    clock.onSleep = async () => {
      if (clock.sleeps.length === 2) await approveByModels(pending!.userCode, 'bob');
    };
    const tokens = await client.login({ onPrompt: (p) => void (pending = p) });
    const userinfo = await client.fetchWithToken(`${issuer}/me`);
    assert.deepEqual(await userinfo.json(), { sub: 'bob', name: 'Name of bob' });

    // The refresh token is revoked behind the device's back (e.g. the user disconnected it).
    const revoked = await fetch(`${issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refreshToken!, client_id: CLIENT_ID }),
    });
    assert.equal(revoked.status, 200);
    await assert.rejects(
      client.getAccessToken({ forceRefresh: true }),
      (e: unknown) => e instanceof DeviceMustPairAgainError && e.reason === 'invalid_grant',
    );
    assert.equal(await client.store.load(), undefined);
  });

  test('denial: the person aborts on the confirmation page; the device gets AccessDeniedError', async () => {
    const { client, clock, record } = device();
    let pending: PendingAuthorization | undefined;
    clock.onSleep = async () => {
      if (clock.sleeps.length !== 2) return;
      const browser = new Browser();
      const opened = await browser.request(pending!.verificationUriComplete!);
      const confirm = await browser.request(`${issuer}/device`, form(opened.text).fields);
      const { xsrf, user_code } = form(confirm.text).fields;
      await browser.request(`${issuer}/device`, { xsrf: xsrf!, user_code: user_code!, abort: 'yes' });
    };
    await assert.rejects(client.login({ onPrompt: (p) => void (pending = p) }), AccessDeniedError);
    assert.deepEqual(
      record.tokenRequests(DEVICE_CODE_GRANT).map((p) => p.error),
      ['authorization_pending', 'access_denied'],
    );
    assert.equal(await client.resume(), undefined);
  });
});
