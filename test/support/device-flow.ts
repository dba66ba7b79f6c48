import assert from 'node:assert/strict';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { post, type Answer } from './http.js';

export const PUBLIC_CLIENT = 'demo-device';
export const CONFIDENTIAL_CLIENT = 'demo-confidential';
export const CONFIDENTIAL_SECRET = 'demo-secret';

/** Asks for a device code as the demo device. */
export async function requestDeviceCode(url: string, params: Record<string, string> = {}): Promise<any> {
  const answer = await post(`${url}/oauth/device_authorization`, { client_id: PUBLIC_CLIENT, scope: 'openid offline_access', ...params });
  assert.equal(answer.status, 200, answer.text);
  return answer.body;
}

/** One poll of the token endpoint. */
export function poll(url: string, deviceCode: string, clientId = PUBLIC_CLIENT): Promise<Answer> {
  return post(`${url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: clientId });
}

export function refresh(url: string, refreshToken: string, extra: Record<string, string> = {}): Promise<Answer> {
  return post(`${url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: PUBLIC_CLIENT, ...extra });
}
