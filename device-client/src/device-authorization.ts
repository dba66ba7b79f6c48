import { errorFromResponse, formPost, readJson, send, type ClientAuth, type Transport } from './http.js';
import type { DeviceAuthorizationResponse, DeviceDetails, PendingAuthorization } from './types.js';
import { optionalNumber, optionalUrl, requireString, requireUrl, type JsonObject } from './validate.js';
import { ResponseValidationError } from './errors.js';

/**
 * The polling interval when the server sends none, in seconds (RFC 8628 §3.2).
 *
 * @see RFC 8628 §3.2
 */
export const DEFAULT_INTERVAL = 5;

const WHERE = 'device authorization response';

/**
 * Checks every member of a device authorization response (RFC 8628 §3.2).
 *
 * @see RFC 8628 §3.2
 */
export function validateDeviceAuthorizationResponse(body: JsonObject): DeviceAuthorizationResponse {
  requireString(body, 'device_code', WHERE);
  requireString(body, 'user_code', WHERE);
  requireUrl(body, 'verification_uri', WHERE);
  optionalUrl(body, 'verification_uri_complete', WHERE);
  const expiresIn = optionalNumber(body, 'expires_in', WHERE);
  if (expiresIn === undefined || expiresIn === 0) {
    throw new ResponseValidationError(`${WHERE}: "expires_in" must be a positive number`);
  }
  optionalNumber(body, 'interval', WHERE);
  return body as unknown as DeviceAuthorizationResponse;
}

/**
 * Sends the device authorization request and returns the pending authorization, with deadlines
 * counted from the moment the request was sent (RFC 8628 §3.1, §3.2).
 *
 * @see RFC 8628 §3.1
 */
export async function requestDeviceAuthorization(
  t: Transport,
  endpoint: string,
  auth: ClientAuth,
  request: { scope?: string; device?: DeviceDetails; signal?: AbortSignal },
): Promise<PendingAuthorization> {
  const init = formPost(auth, {
    scope: request.scope,
    device_name: request.device?.name,
    device_model: request.device?.model,
    device_serial: request.device?.serial,
  });
  const requestedAt = t.now();
  const response = await send(t, endpoint, init, { signal: request.signal });
  if (response.status !== 200) throw await errorFromResponse(response, WHERE);
  const body = validateDeviceAuthorizationResponse(await readJson(response, WHERE));
  const pending: PendingAuthorization = {
    deviceCode: body.device_code,
    userCode: body.user_code,
    verificationUri: body.verification_uri,
    interval: body.interval ?? DEFAULT_INTERVAL,
    requestedAt,
    expiresAt: requestedAt + body.expires_in * 1000,
  };
  if (body.verification_uri_complete !== undefined) pending.verificationUriComplete = body.verification_uri_complete;
  if (request.scope) pending.scope = request.scope;
  return pending;
}
