import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { ClientAdminError } from '../../src/admin/client-admin.errors.js';
import { ClientAdminService } from '../../src/admin/client-admin.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { rawRequest, type RawAnswer } from '../support/raw-http.js';
import { ADAPTERS, startServer, type TestServer } from '../support/test-server.js';

/** Registered OAuth error codes an endpoint may answer with. */
const OAUTH_ERRORS = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type',
  'invalid_scope', 'authorization_pending', 'slow_down', 'access_denied', 'expired_token', 'unsupported_token_type',
]);

const OAUTH_PATHS = ['/oauth/device_authorization', '/oauth/token', '/oauth/revoke', '/oauth/introspect'];
const PAGE_PATHS = ['/activate', '/activate/confirm', '/activate/sign-in', '/activate/decision', '/activate/sign-out', '/devices'];

const INJECTIONS = [
  "' OR '1'='1", "'; DROP TABLE dg_device_grant; --", '" OR 1=1 --', '1; SELECT pg_sleep(5)', '\\', '%', '%00', '%zz',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert('x')", '{{7*7}}', '${7*7}',
  '../../etc/passwd', '\u0000', 'a\u0000b', '\r\nSet-Cookie: x=y', '\u202e\u2066', '𝕏'.repeat(50), 'null', 'undefined', '[]', '{}',
  'demo-device', 'openid offline_access', DEVICE_CODE_GRANT_TYPE, 'refresh_token', 'WDJB-MJHT',
];
const NAMES = [
  'client_id', 'client_secret', 'grant_type', 'device_code', 'refresh_token', 'scope', 'token', 'token_type_hint',
  'device_name', 'device_model', 'device_serial', 'user_code', 'csrf', 'decision', 'username', 'password', 'grant_id', 'next',
];

const value = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer().map(String),
  fc.nat({ max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const name = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom(...NAMES).map((n) => `${n}[]`),
  fc.constantFrom(...NAMES).map((n) => `${n}[a][b]`),
  fc.string({ maxLength: 12 }),
);
/** A urlencoded body, possibly with repeated names and broken escapes. */
const formBody = fc
  .array(fc.tuple(name, value, fc.boolean()), { maxLength: 8 })
  .map((pairs) =>
    Buffer.from(
      pairs
        .map(([n, v, raw]) => (raw ? `${n}=${v}` : `${encodeURIComponent(n)}=${encodeURIComponent(v)}`))
        .join('&'),
    ),
  );
const bytes = fc.uint8Array({ maxLength: 2048 }).map((array) => Buffer.from(array));
const invalidUtf8 = fc.constantFrom('%FF%FE', '%C3%28', '%E2%82', '%ED%A0%80', '%F8%88%80%80%80').map((bad) => Buffer.from(`client_id=demo-device&device_name=${bad}&scope=${bad}`));
const deepJson = fc.nat({ max: 5000 }).map((depth) => Buffer.from('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));
const body = fc.oneof(formBody, bytes, invalidUtf8, deepJson, fc.constant(Buffer.alloc(0)));
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  'application/x-www-form-urlencoded; charset=latin1',
  '*/*',
);
const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
/** Header values stay under Node's 16 KB header limit (beyond it Node answers 431 before any application code runs). */
const headerValue = value.map((v) => v.slice(0, 2000));
const extraHeaders = fc.record(
  {
    authorization: fc.oneof(
      fc.constantFrom('Basic', 'Basic !!!', 'Bearer x', 'Basic ' + Buffer.from('demo-confidential:wrong').toString('base64')),
      headerValue.map((v) => 'Basic ' + Buffer.from(v).toString('base64')),
    ),
    cookie: fc.oneof(fc.constantFrom('dg_session=garbage', 'dg_session=eyJ..x.y.z', 'a=b; dg_session='), headerValue.map((v) => `dg_session=${encodeURIComponent(v)}`)),
    'accept-language': fc.constantFrom('es', 'xx', '*', 'en;q=0', 'es-ES,es;q=0.9,en;q=0.8', ';;;,,,'),
  },
  { requiredKeys: [] },
);
const query = fc.oneof(
  fc.constant(''),
  fc.tuple(fc.constantFrom('user_code', 'format', 'size', 'user_code[]'), value).map(([n, v]) => `?${n}=${encodeURIComponent(v.slice(0, 500))}`),
);

/** fast-check's report, cut short: counterexamples with 200 kB bodies drown the log. */
async function check<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { numRuns });
  } catch (error) {
    const message = String((error as Error).message);
    const cause = String(((error as Error).cause as Error | undefined)?.message ?? '');
    throw new Error(`${message.slice(0, 1500)}\ncause: ${cause.slice(0, 1500)}`);
  }
}

interface Fingerprint {
  [table: string]: string;
}

for (const adapter of ADAPTERS) {
  describe(`hostile input, generated in volume (${adapter})`, () => {
    let server: TestServer;
    let dataSource: DataSource;

    /** What rejected requests must not change (brute-force counters are meant to change). */
    async function fingerprint(): Promise<Fingerprint> {
      const rows = await dataSource.query(
        `SELECT
          (SELECT COUNT(*) FROM dg_device_grant) AS grants,
          (SELECT COALESCE(SUM(poll_interval), 0) FROM dg_device_grant) AS intervals,
          (SELECT COUNT(*) FROM dg_device_grant WHERE status <> 'pending') AS decided,
          (SELECT COUNT(*) FROM dg_refresh_token) AS refresh,
          (SELECT COUNT(*) FROM dg_refresh_token WHERE used_at IS NOT NULL OR revoked_at IS NOT NULL) AS refresh_spent,
          (SELECT COUNT(*) FROM dg_access_token) AS access,
          (SELECT COUNT(*) FROM dg_access_token WHERE revoked_at IS NOT NULL) AS access_revoked,
          (SELECT COUNT(*) FROM dg_client) AS clients,
          (SELECT COUNT(*) FROM dg_signing_key) AS keys`,
      );
      return Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, String(v)]));
    }

    function checkAnswer(path: string, verb: string, answer: RawAnswer): void {
      assert.ok(answer.status < 500, `${answer.status} on ${path}: ${answer.text.slice(0, 300)}`);
      const type = String(answer.headers['content-type'] ?? '');
      if (verb === 'HEAD') return; // no body to judge
      if (OAUTH_PATHS.includes(path)) {
        if (answer.status >= 400) {
          assert.match(type, /^application\/json/, `${path} answered ${type}`);
          const parsed = JSON.parse(answer.text);
          assert.ok(OAUTH_ERRORS.has(parsed.error), `unregistered error ${answer.text}`);
          assert.equal(answer.headers['cache-control'], 'no-store');
        }
      } else if (path === '/activate/qr' && verb === 'GET') {
        assert.match(type, answer.status === 200 ? /^image\// : /^text\/plain/);
      } else if (answer.status !== 303 && answer.status !== 204 && answer.text !== '') {
        assert.match(type, /^text\/html/, `${path} answered ${type}: ${answer.text.slice(0, 200)}`);
      }
    }

    before(async () => {
      server = await startServer({ adapter });
      dataSource = server.app.get(DataSource);
    });
    after(() => server.close());

    test('OAuth endpoints: no 5xx, always RFC 6749 §5.2 JSON, rejected requests change nothing', async () => {
      await check(
        fc.asyncProperty(fc.constantFrom(...OAUTH_PATHS), method, contentType, body, extraHeaders, async (path, verb, type, payload, headers) => {
          const before = await fingerprint();
          const answer = await rawRequest(server.url + path, {
            method: verb,
            headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
            body: verb === 'GET' || verb === 'HEAD' ? undefined : payload,
          });
          checkAnswer(path, verb, answer);
          if (answer.status >= 400) assert.deepEqual(await fingerprint(), before, `a rejected request to ${path} changed the database`);
        }),
        300,
      );
    });

    test('activation pages and the QR endpoint: no 5xx, always a page, nothing approved', async () => {
      const live = await requestDeviceCode(server.url);
      await check(
        fc.asyncProperty(fc.constantFrom(...PAGE_PATHS, '/activate/qr'), method, contentType, body, extraHeaders, query, async (path, verb, type, payload, headers, search) => {
          const answer = await rawRequest(server.url + path + search, {
            method: verb,
            headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
            body: verb === 'GET' || verb === 'HEAD' ? undefined : payload,
          });
          checkAnswer(path, verb, answer);
        }),
        250,
      );
      const answer = await poll(server.url, live.device_code);
      assert.ok(['authorization_pending', 'slow_down'].includes(answer.body.error), 'hostile page requests approved nothing');
    });

    test('the server keeps serving a normal flow afterwards', async () => {
      const code = await requestDeviceCode(server.url);
      await server.grants.approve(code.user_code, 'alice');
      assert.equal((await poll(server.url, code.device_code)).status, 200);
    });
  });
}

describe('hostile input to the client administration API', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('bad names, scopes, ids and lifetimes are refused with clear messages and store nothing', async () => {
    const admin = server.app.get(ClientAdminService);
    const before = (await admin.list()).length;
    await check(
      fc.asyncProperty(
        fc.record({
          name: fc.oneof(value, fc.constant(''), fc.constant(' '.repeat(3))),
          type: fc.constantFrom('public', 'confidential', 'admin', '' as string),
          scopes: fc.array(fc.oneof(value, fc.constantFrom('openid', 'admin', 'open id', '')), { maxLength: 4 }),
          grantTypes: fc.array(fc.oneof(value, fc.constantFrom('refresh_token', 'password', 'implicit')), { maxLength: 3 }),
          accessTokenTtl: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN)),
          clientId: fc.oneof(value, fc.constant('demo-device')),
        }),
        async (input) => {
          try {
            await admin.add(input as never);
            // Accepted: it must have been valid; undo it so the count check below holds.
            await admin.delete((await admin.list()).at(-1)!.clientId);
          } catch (error) {
            assert.ok(error instanceof ClientAdminError, `unexpected ${(error as Error).name}: ${(error as Error).message}`);
            assert.ok((error as Error).message.length > 5);
          }
        },
      ),
      200,
    );
    assert.equal((await admin.list()).length, before);
  });
});
