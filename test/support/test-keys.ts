/** The key-encryption key of the tests' PostgreSQL servers (in process and child processes alike): 32 bytes, base64url. */
export const TEST_KEY_ENCRYPTION_KEY = 'dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM';

/** The bearer token of `GET /metrics` on the tests' servers. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-test-metrics-token';
