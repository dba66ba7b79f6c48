import { DeviceClient, MemoryTokenStore, type DeviceClientOptions, type TokenStore } from '../../src/index.js';
import { FakeAuthorizationServer, type FakeServerOptions } from './fake-authorization-server.js';
import { virtualClock, type VirtualClock } from './virtual-clock.js';

export interface Setup {
  clock: VirtualClock;
  server: FakeAuthorizationServer;
  store: TokenStore;
  client: DeviceClient;
  newClient(options?: Partial<DeviceClientOptions>): DeviceClient;
}

/** A fake server on virtual time and a client pointed at it. Close `server` when done. */
export async function setup(
  serverOptions: FakeServerOptions = {},
  clientOptions: Partial<DeviceClientOptions> = {},
): Promise<Setup> {
  const clock = virtualClock();
  const server = await FakeAuthorizationServer.start({ now: clock.now, ...serverOptions });
  const store = clientOptions.store ?? new MemoryTokenStore();
  const newClient = (options: Partial<DeviceClientOptions> = {}): DeviceClient =>
    new DeviceClient({ clientId: 'device-1', endpoints: server.endpoints, store, clock, ...clientOptions, ...options });
  return { clock, server, store, client: newClient(), newClient };
}

/** Gaps between consecutive token requests, in ms of virtual time. */
export function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}
