import assert from 'node:assert/strict';
import { request } from 'node:http';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import type { Answer } from '../support/http.js';
import type { TestServer } from '../support/test-server.js';

/** Runs the device flow for `alice` and returns the token response. */
export async function deviceTokens(server: TestServer, scope: string, extra: Record<string, string> = {}): Promise<any> {
  const code = await requestDeviceCode(server.url, { scope, ...extra });
  await server.grants.approve(code.user_code, 'alice');
  const tokens = await poll(server.url, code.device_code);
  assert.equal(tokens.status, 200, tokens.text);
  return tokens.body;
}

/** A request with raw header pairs (fetch cannot send a header twice). */
export function rawRequest(url: string, method: string, headers: string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Raw headers replace all of them: Host must be given too.
    const req = request(url, { method, headers: ['Host', new URL(url).host, ...headers] }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body, text });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Parses `Bearer a="b", c="d"` into its auth-params. */
export function challengeParams(header: string | null): Record<string, string> {
  assert.ok(header, 'a WWW-Authenticate header');
  assert.match(header, /^Bearer( |$)/);
  const params: Record<string, string> = {};
  for (const match of header.slice(6).matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
    assert.equal(params[match[1]], undefined, `${match[1]} appears once`);
    params[match[1]] = match[2];
  }
  return params;
}
