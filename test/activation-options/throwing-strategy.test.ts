// The strategy contract (issue 22): a passport strategy written as the NestJS docs show, throwing
// UnauthorizedException from validate() on a wrong password, gives the "wrong username or password"
// page and counts toward the sign-in lockout, exactly as one that returns null.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Injectable, Module, UnauthorizedException, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Strategy } from 'passport-local';
import { ClientService } from '../../src/clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { DeviceGrantModule } from '../../src/device-grant.module.js';
import { DEFAULT_LIMITS } from '../../src/limits/limits.options.js';
import { buildDataSourceOptions } from '../../src/persistence/data-source-options.js';
import { boundPort } from '../support/held-port.js';
import { post } from '../support/http.js';
import { tempSqlite } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

@Injectable()
class ThrowingLocalStrategy extends PassportStrategy(Strategy, 'throwing-local') {
  validate(username: string, password: string): { id: string; name: string } {
    if (password === `${username}-password`) return { id: username, name: username.toUpperCase() };
    throw new UnauthorizedException();
  }
}

describe('a passport strategy that throws on a wrong password', () => {
  const db = tempSqlite();
  let app: INestApplication;
  let url: string;

  before(async () => {
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...buildDataSourceOptions({ url: db.url }), autoLoadEntities: true }),
        DeviceGrantModule.forRoot({ issuer: 'http://127.0.0.1', activation: { passportStrategy: 'throwing-local' } }),
      ],
      providers: [ThrowingLocalStrategy],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${boundPort(app)}`;
    await app.get(ClientService).register({ clientId: 'lamp', name: 'Lamp', scopes: ['openid'], grantTypes: [DEVICE_CODE_GRANT_TYPE] });
  });
  after(async () => {
    await app?.close();
    db.cleanup();
  });

  test('is a failed sign-in (the wrong-password page) that counts toward the lockout; the right password signs in', { timeout: 30_000 }, async () => {
    const code = await post(`${url}/oauth/device_authorization`, { client_id: 'lamp', scope: 'openid' });
    assert.equal(code.status, 200, code.text);
    const visitor = Visitor.at(url);
    assert.equal((await visitor.openCode(code.body.user_code)).status, 303);
    const budget = DEFAULT_LIMITS.signInPerAccountAndAddress.max;
    let page = await visitor.request('/activate/confirm');
    for (let i = 0; i < budget; i++) {
      page = await visitor.request('/activate/sign-in', { csrf: Visitor.csrf(page.text), username: 'carol', password: `wrong-${i}` });
      assert.equal(page.status, 401, `attempt ${i + 1}: ${page.text.slice(0, 200)}`);
      assert.match(page.text, /Wrong username or password/);
    }
    const locked = await visitor.request('/activate/sign-in', { csrf: Visitor.csrf(page.text), username: 'carol', password: 'carol-password' });
    assert.equal(locked.status, 429);
    assert.match(locked.text, /Too many wrong passwords/);

    // Another account: the right password signs in through the same strategy.
    const other = await post(`${url}/oauth/device_authorization`, { client_id: 'lamp', scope: 'openid' });
    const second = Visitor.at(url);
    assert.equal((await second.openCode(other.body.user_code)).status, 303);
    const form = await second.request('/activate/confirm');
    const signedIn = await second.request('/activate/sign-in', { csrf: Visitor.csrf(form.text), username: 'dave', password: 'dave-password' });
    assert.equal(signedIn.status, 303, signedIn.text.slice(0, 300));
    assert.match((await second.request('/activate/confirm')).text, /Signed in as DAVE/);
  });
});

describe('a passport strategy that is not registered with the passport this module uses', () => {
  test('start-up fails with a message that says so (a typo, or a second copy of passport)', { timeout: 30_000 }, async () => {
    const db = tempSqlite();
    @Module({
      imports: [
        TypeOrmModule.forRoot({ ...buildDataSourceOptions({ url: db.url }), autoLoadEntities: true }),
        DeviceGrantModule.forRoot({ issuer: 'http://127.0.0.1', activation: { passportStrategy: 'nowhere-local' } }),
      ],
    })
    class MisconfiguredModule {}
    const app = await NestFactory.create(MisconfiguredModule, new FastifyAdapter(), { logger: false, rawBody: true });
    try {
      await assert.rejects(app.init(), /activation.passportStrategy "nowhere-local" is not registered with passport/);
    } finally {
      await app.close().catch(() => undefined);
      db.cleanup();
    }
  });
});
