import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { ClientAdminError } from '../../src/admin/client-admin.errors.js';
import { ClientAdminService, type ClientSummary } from '../../src/admin/client-admin.service.js';
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

/** Names an object inherits: request data looked up in a plain object would find these (issue 18). */
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];

const INJECTIONS = [
  ...PROTOTYPE_NAMES,
  "' OR '1'='1", "'; DROP TABLE dg_device_grant; --", '" OR 1=1 --', '1; SELECT pg_sleep(5)', '\\', '%', '%00', '%zz',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert('x')", '{{7*7}}', '${7*7}',
  '../../etc/passwd', '\u0000', 'a\u0000b', '\r\nSet-Cookie: x=y', '\u202e\u2066', '𝕏'.repeat(50), 'null', 'undefined', '[]', '{}',
  'demo-device', 'openid offline_access', DEVICE_CODE_GRANT_TYPE, 'refresh_token', 'WDJB-MJHT',
];
const NAMES = [
  ...PROTOTYPE_NAMES,
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
      fc.constantFrom('Basic', 'Basic !!!', 'Bearer x', 'Basic ' + Buffer.from('demo-confidential:wrong').toString('base64'), 'Bearer __proto__', 'constructor'),
      fc.constantFrom(...PROTOTYPE_NAMES).map((n) => 'Basic ' + Buffer.from(`${n}:${n}`).toString('base64')),
      headerValue.map((v) => 'Basic ' + Buffer.from(v).toString('base64')),
    ),
    cookie: fc.oneof(
      fc.constantFrom('dg_session=garbage', 'dg_session=eyJ..x.y.z', 'a=b; dg_session=', 'constructor=x; __proto__=y; dg_session=toString'),
      headerValue.map((v) => `dg_session=${encodeURIComponent(v)}`),
    ),
    'accept-language': fc.oneof(
      fc.constantFrom('es', 'xx', '*', 'en;q=0', 'es-ES,es;q=0.9,en;q=0.8', ';;;,,,', ...PROTOTYPE_NAMES, 'constructor-x,__proto__;q=0.9', 'toString,es;q=0.1'),
      // What an HTTP client can send in a header: visible ASCII.
      headerValue.map((v) => v.replace(/[^\x20-\x7E]/g, '?')),
    ),
  },
  { requiredKeys: [] },
);
const query = fc.oneof(
  fc.constant(''),
  fc.tuple(fc.constantFrom('user_code', 'format', 'size', 'user_code[]', ...PROTOTYPE_NAMES), value).map(([n, v]) => `?${n}=${encodeURIComponent(v.slice(0, 500))}`),
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
      // Hundreds of requests from one address: the device authorization rate is not what is tested here.
      server = await startServer({ adapter, limits: { deviceAuthorizationsPerAddress: false } });
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

    test('names an object inherits, as a language, a scope or a grant type, are nothing special: a page in English, invalid_scope, unsupported_grant_type', async () => {
      for (const language of PROTOTYPE_NAMES) {
        for (const path of ['/activate', '/devices', '/activate/nowhere']) {
          const answer = await rawRequest(`${server.url}${path}`, { method: 'GET', headers: { 'accept-language': language } });
          assert.ok(answer.status < 500, `${answer.status} for ${language} on ${path}`);
          assert.match(answer.text, /<html lang="en"/, `${language} on ${path}`);
        }
        const scoped = await rawRequest(`${server.url}/oauth/device_authorization`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(`client_id=demo-device&scope=${language}`),
        });
        assert.equal(JSON.parse(scoped.text).error, 'invalid_scope', `scope ${language}`);
        const granted = await rawRequest(`${server.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.from(`client_id=demo-device&grant_type=${language}`),
        });
        assert.equal(JSON.parse(granted.text).error, 'unsupported_grant_type', `grant_type ${language}`);
      }
    });

    test('the server keeps serving a normal flow afterwards', async () => {
      const code = await requestDeviceCode(server.url);
      await server.grants.approve(code.user_code, 'alice');
      assert.equal((await poll(server.url, code.device_code)).status, 200);
    });
  });
}

/** The scopes the demo server knows (its options), in the order the admin API reports them. */
const KNOWN_SCOPES = ['openid', 'profile', 'offline_access', 'telemetry:write'];
const DEVICE_CODE_AND_REFRESH = [DEVICE_CODE_GRANT_TYPE, 'refresh_token'];

/**
 * What `ClientAdminService.add` must do with an input, written from its documented contract (not from
 * its code): the summary it must store, or `undefined` when it must refuse. Names are 1-200 printable
 * characters once trimmed; scopes and grant types come as lists whose entries may hold several values
 * (space-separated; grant types also comma-separated); a client id is 1-200 unreserved URL characters,
 * not starting with "-", and not one already taken.
 */
interface ClientInput {
  name: string;
  type: string;
  scopes?: string[];
  grantTypes?: string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  clientId?: string;
}
type ExpectedClient = Pick<ClientSummary, 'name' | 'type' | 'scopes' | 'grantTypes' | 'accessTokenTtl' | 'refreshTokenTtl'>;

function expectedClient(input: ClientInput, taken: ReadonlySet<string>): ExpectedClient | undefined {
  const name = input.name.trim();
  if (name === '' || [...name].length > 200 || /[\p{Cc}\p{Cs}\uFFFD]/u.test(name)) return undefined;
  if (input.type !== 'public' && input.type !== 'confidential') return undefined;
  const scopes = [...new Set((input.scopes ?? []).flatMap((entry) => entry.split(/\s+/)).filter(Boolean))];
  if (!scopes.every((scope) => KNOWN_SCOPES.includes(scope))) return undefined;
  const aliases: Record<string, string> = { device_code: DEVICE_CODE_GRANT_TYPE, [DEVICE_CODE_GRANT_TYPE]: DEVICE_CODE_GRANT_TYPE, refresh_token: 'refresh_token' };
  const grantWords = (input.grantTypes ?? DEVICE_CODE_AND_REFRESH).flatMap((entry) => entry.split(/[\s,]+/)).filter((word) => word && word !== 'none');
  if (!grantWords.every((word) => Object.hasOwn(aliases, word))) return undefined;
  const grantTypes = [...new Set(grantWords.map((word) => aliases[word]))];
  const ttl = (value: number | undefined, max: number) =>
    value === undefined ? null : Number.isInteger(value) && value >= 1 && value <= max ? value : Number.NaN;
  const accessTokenTtl = ttl(input.accessTokenTtl, 86_400);
  const refreshTokenTtl = ttl(input.refreshTokenTtl, 365 * 86_400);
  if (Number.isNaN(accessTokenTtl) || Number.isNaN(refreshTokenTtl)) return undefined;
  if (input.clientId !== undefined && (!/^[A-Za-z0-9._~][A-Za-z0-9._~-]{0,199}$/.test(input.clientId) || taken.has(input.clientId))) return undefined;
  return { name, type: input.type, scopes, grantTypes, accessTokenTtl, refreshTokenTtl };
}

/** Valid most of the time, hostile otherwise, so that whole inputs are often valid and often not. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostile, weight: 1 });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const clientInput = fc.record(
  {
    name: mostly(
      fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), fc.constantFrom('  Kitchen sensors  ', '𝕏'.repeat(200), 'Ünïcödé TV')),
      fc.oneof(value, fc.constantFrom('', '   ', 'a\u0000b', 'x'.repeat(201), '\uFFFD', '\uD800')),
    ),
    type: mostly(fc.constantFrom('public', 'confidential'), fc.constantFrom('admin', '', 'Public')),
    scopes: optional(
      fc.array(mostly(fc.constantFrom(...KNOWN_SCOPES, 'openid offline_access', ' profile '), fc.oneof(value, fc.constantFrom('admin', 'open id', 'OPENID', ...PROTOTYPE_NAMES))), { maxLength: 4 }),
    ),
    grantTypes: optional(
      fc.array(mostly(fc.constantFrom('device_code', 'refresh_token', DEVICE_CODE_GRANT_TYPE, 'none', 'device_code,refresh_token'), fc.oneof(value, fc.constantFrom('password', 'implicit', ...PROTOTYPE_NAMES))), { maxLength: 3 }),
    ),
    accessTokenTtl: optional(mostly(fc.integer({ min: 1, max: 86_400 }), fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 86_401, Number.NaN)))),
    refreshTokenTtl: optional(mostly(fc.integer({ min: 1, max: 365 * 86_400 }), fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 365 * 86_400 + 1)))),
    clientId: optional(mostly(fc.stringMatching(/^[A-Za-z0-9._~][A-Za-z0-9._~-]{0,40}$/), fc.oneof(value, fc.constantFrom('demo-device', '-x', 'has space', 'x'.repeat(201))))),
  },
  { requiredKeys: ['name', 'type'] },
);

describe('hostile input to the client administration API', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  test('invalid names, types, scopes, grant types, lifetimes and ids are refused and store nothing; valid ones are stored as given', async (t) => {
    const admin = server.app.get(ClientAdminService);
    const before = await admin.list();
    let accepted = 0;
    let refused = 0;
    await check(
      fc.asyncProperty(clientInput, async (input) => {
        const expected = expectedClient(input, new Set(before.map((client) => client.clientId)));
        let created: Awaited<ReturnType<ClientAdminService['add']>> | undefined;
        try {
          created = await admin.add(input as never);
        } catch (error) {
          assert.ok(error instanceof ClientAdminError, `unexpected ${(error as Error).name}: ${(error as Error).message}`);
          assert.ok((error as Error).message.length > 5);
          assert.equal(expected, undefined, `a valid client was refused (${(error as Error).message}): ${JSON.stringify(input)}`);
          refused++;
          assert.deepEqual(await admin.list(), before, 'a refused client stored nothing');
          return;
        }
        try {
          assert.ok(expected, `an invalid client was accepted: ${JSON.stringify(input)} stored as ${JSON.stringify(created.client)}`);
          accepted++;
          const stored = await admin.get(created.client.clientId);
          const { clientId, createdAt, disabled, previousSecretExpiresAt, ...fields } = stored;
          assert.deepEqual(fields, expected, 'stored as given');
          assert.deepEqual(created.client, stored, 'add() answered with what it stored');
          if (input.clientId === undefined) assert.match(clientId, /^[0-9a-f]{32}$/);
          else assert.equal(clientId, input.clientId);
          assert.equal(disabled, false);
          assert.equal(previousSecretExpiresAt, null);
          assert.equal(created.secret !== undefined, input.type === 'confidential', 'a secret for a confidential client only');
        } finally {
          await admin.delete(created.client.clientId); // every run, and every shrinking step, starts from the same list
        }
      }),
      200,
    );
    assert.deepEqual(await admin.list(), before);
    t.diagnostic(`${accepted} accepted, ${refused} refused`);
    assert.ok(accepted >= 20 && refused >= 20, `both kinds were tried: ${accepted} accepted, ${refused} refused`);
  });

  // Found by the property above once its generator offered these names: add() looked grant types up
  // in a plain object, so a name it inherits from Object.prototype passed, and was stored as the
  // function's source text.
  test('grant types named after Object.prototype members are refused', async () => {
    const admin = server.app.get(ClientAdminService);
    for (const grantType of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const added = await admin.add({ name: 'Prototype', type: 'public', grantTypes: [grantType] }).catch((error: unknown) => error);
      if (!(added instanceof ClientAdminError)) await admin.delete((added as { client: { clientId: string } }).client.clientId);
      assert.ok(added instanceof ClientAdminError, `grant type ${grantType} was accepted`);
    }
  });
});
