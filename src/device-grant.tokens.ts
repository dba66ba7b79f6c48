/** Injection token of the resolved options (defaults applied, values checked). */
export const DEVICE_GRANT_OPTIONS = Symbol('DEVICE_GRANT_OPTIONS');
