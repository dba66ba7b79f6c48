import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FormParams } from './form-params.js';

const parse = (body: string | Buffer) => FormParams.parse(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'));

describe('FormParams.parse', () => {
  test('decodes percent-escapes and + in an ASCII body, as a poll sends its grant type', () => {
    const params = parse('grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_name=Living+room%20TV&x=%2B');
    assert.equal(params.get('grant_type'), 'urn:ietf:params:oauth:grant-type:device_code');
    assert.equal(params.get('device_name'), 'Living room TV');
    assert.equal(params.get('x'), '+');
  });

  test('escaped UTF-8 decodes; raw UTF-8 bytes decode the same', () => {
    assert.equal(parse('device_name=Sal%C3%B3n').get('device_name'), 'Salón');
    assert.equal(parse(Buffer.from('device_name=Salón', 'utf8')).get('device_name'), 'Salón');
  });

  test('malformed escapes and escaped bytes that are not UTF-8 are refused, saying which', () => {
    assert.throws(() => parse('device_name=%E'), /malformed percent-encoding/);
    assert.throws(() => parse('device_name=%zz'), /malformed percent-encoding/);
    assert.throws(() => parse('device_name=%C3%28'), /not valid UTF-8/);
    assert.throws(() => parse('device_name=%ED%A0%80'), /not valid UTF-8/); // an escaped lone surrogate
    assert.throws(() => parse('device_name=%C0%AF'), /not valid UTF-8/); // overlong
  });

  test('repeated and bracketed parameters are refused; empty values count as absent', () => {
    assert.throws(() => parse('a=1&a=2'), /repeated/);
    assert.throws(() => parse('a%5Bb%5D=1'), /bracketed/);
    assert.equal(parse('scope=&client_id=x').get('scope'), undefined);
  });
});
