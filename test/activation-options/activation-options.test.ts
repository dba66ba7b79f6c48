import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { INestApplication } from '@nestjs/common';
import { ClientService } from '../../src/clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { post } from '../support/http.js';
import { boundPort } from '../support/held-port.js';
import { tempSqlite } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';
import { createAppModule, TestConfig } from './app.module.js';

describe('activation options: forRootAsync, resolveUser, custom path, messages, renderers, https cookies', () => {
  let app: INestApplication;
  let url: string;
  const db = tempSqlite();

  before(async () => {
    // The issuer is https (as behind a TLS-terminating proxy), so cookies are Secure and __Host- prefixed.
    app = await NestFactory.create(createAppModule(new TestConfig('https://auth.example.test', db.url)), new FastifyAdapter(), {
      logger: false,
      rawBody: true,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${boundPort(app)}`;
    await app.get(ClientService).register({
      clientId: 'gadget',
      name: 'Gadget',
      scopes: ['openid'],
      grantTypes: [DEVICE_CODE_GRANT_TYPE],
    });
  });
  after(async () => {
    await app?.close();
    db.cleanup();
  });

  async function newCode(): Promise<{ user_code: string; device_code: string; verification_uri: string }> {
    const answer = await post(`${url}/oauth/device_authorization`, { client_id: 'gadget', scope: 'openid' });
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  }

  test('the verification URI follows the configured path; the catalogue override and a new language apply', async () => {
    const code = await newCode();
    assert.equal(code.verification_uri, 'https://auth.example.test/pair');
    const english = await fetch(`${url}/pair`);
    assert.match(await english.text(), /<h1>Pair your gadget<\/h1>/);
    const german = await fetch(`${url}/pair`, { headers: { 'accept-language': 'de-DE' } });
    const html = await german.text();
    assert.match(html, /<h1>Gerät verbinden<\/h1>/);
    assert.match(html, /<html lang="de">/);
    const cookie = german.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^__Host-dg_session=/);
    assert.match(cookie, /; Secure/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
  });

  test('without a signed-in user the page sends people to the application sign-in; with one it shows consent and uses the custom done page', async () => {
    const code = await newCode();
    // The link fills the code in; Continue submits it.
    const linked = await fetch(`${url}/pair?user_code=${code.user_code}`, { redirect: 'manual' });
    assert.equal(linked.status, 200);
    const opened = await fetch(`${url}/pair`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: (linked.headers.get('set-cookie') ?? '').split(';')[0], 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: Visitor.csrf(await linked.text()), user_code: code.user_code }).toString(),
    });
    assert.equal(opened.status, 303);
    const cookie = (opened.headers.get('set-cookie') ?? '').split(';')[0];
    const anonymous = await fetch(`${url}/pair/confirm`, { redirect: 'manual', headers: { cookie } });
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), `/login?return_to=${encodeURIComponent('https://auth.example.test/pair/confirm')}`);

    const consent = await fetch(`${url}/pair/confirm`, { headers: { cookie, 'x-test-user': 'bob' } });
    const html = await consent.text();
    assert.match(html, /Connect this device\?/);
    assert.doesNotMatch(html, /Sign out/, 'the application owns sign-out');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1];
    const nextCookie = (consent.headers.get('set-cookie') ?? cookie).split(';')[0];
    const done = await post(`${url}/pair/decision`, { csrf, user_code: code.user_code, decision: 'approve' }, {
      headers: { cookie: nextCookie, 'x-test-user': 'bob' },
    });
    assert.equal(done.status, 200);
    assert.match(done.text, /<p id="custom">custom approved<\/p>/);
    const tokens = await post(`${url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.device_code, client_id: 'gadget' });
    assert.equal(tokens.status, 200, tokens.text);
    const payload = JSON.parse(Buffer.from(tokens.body.access_token.split('.')[1], 'base64url').toString());
    assert.equal(payload.sub, 'bob');
    assert.equal(payload.iss, 'https://auth.example.test');
  });
});
