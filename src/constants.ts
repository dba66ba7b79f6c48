/** The grant type URN of the device authorization grant. @see RFC 8628 §3.4 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** The refresh token grant type. @see RFC 6749 §6 */
export const REFRESH_TOKEN_GRANT_TYPE = 'refresh_token';

/** The scope that asks for a refresh token. */
export const OFFLINE_ACCESS_SCOPE = 'offline_access';

/** The seconds a device must add to its polling interval after `slow_down`. @see RFC 8628 §3.5 */
export const SLOW_DOWN_INCREMENT = 5;
