// A device polling with the `device-client` package, so the orchestrator can read its RSS.
// HOOK: device-client is being written alongside; if its API (`new DeviceClient({ issuer, clientId,
// scope })`, `start()`, `poll(pending, { signal })`) changes, adapt this file only. It is loaded with
// a string specifier so that a half-finished package never breaks the bench's own compilation.

const issuer = process.argv[2];
const specifier = '@device-grant-kit/device-client';
let polls = 0;

try {
  const { DeviceClient } = (await import(specifier)) as { DeviceClient: new (options: object) => any };
  const countingFetch: typeof fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).endsWith('/oauth/token')) polls++;
    return fetch(input, init);
  };
  const client = new DeviceClient({ issuer, clientId: 'demo-device', scope: 'openid offline_access', fetch: countingFetch });
  const pending = await client.start();
  const controller = new AbortController();
  client.poll(pending, { signal: controller.signal }).catch(() => undefined);
  process.send!({ started: true, userCode: pending.userCode });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'report') process.send!({ polls });
    if (message.type === 'stop') {
      controller.abort();
      process.exit(0);
    }
  });
} catch (error) {
  process.send!({ failed: (error as Error).message }, () => process.exit(1));
}
