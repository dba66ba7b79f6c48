/**
 * Loaded with `node --import` ahead of `dist/src/demo/main.js` (see server-process.ts), so the demo server
 * runs exactly as an operator runs it, yet on a port the kernel picked. main.js takes its port from PORT
 * and names it in its issuer before it listens, so it cannot simply be given port 0. This module listens
 * on 127.0.0.1 port 0 first, sets PORT (and ISSUER, unless the parent gave one) to the port it got, and
 * hands its listening socket to the server's own `listen()` call for that port (Node's
 * `server.listen(handle)`): the port is never released for another process to take. Once the server
 * listens, the port goes to the parent over IPC.
 */
import { Server, createServer } from 'node:net';

const held = createServer();
await new Promise<void>((resolve, reject) => {
  held.once('error', reject);
  held.listen(0, '127.0.0.1', () => resolve());
});
const { port } = held.address() as { port: number };
process.env.PORT = String(port);
process.env.HOST = '127.0.0.1';
process.env.ISSUER ??= `http://127.0.0.1:${port}`;

const listen = Server.prototype.listen;
Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  const [first] = args;
  const asked = typeof first === 'object' && first !== null ? (first as { port?: unknown }).port : first;
  if (Number(asked) !== port) return listen.apply(this, args as Parameters<typeof listen>);
  Server.prototype.listen = listen;
  const callback = args.find((arg): arg is () => void => typeof arg === 'function');
  return listen.call(this, held, () => {
    callback?.();
    // The channel is let go at once, so it never keeps the process alive on its own.
    process.send?.({ port }, () => process.disconnect?.());
  });
};
