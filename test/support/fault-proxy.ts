import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request: pass it on, answer it late, or drop the answer. */
export type FaultAction =
  | { kind: 'pass' }
  /** Forwarded at once; the answer is held `ms` before it goes back (a slow network, a late gateway). */
  | { kind: 'delay'; ms: number }
  /** Forwarded and answered by the server; the connection to the client is then cut, unanswered. */
  | { kind: 'drop' };

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export interface FaultProxy {
  url: string;
  /** Every request seen, in order. */
  requests: ProxiedRequest[];
  /** Decides each request's fault; replace it between steps of a test. */
  decide: (request: ProxiedRequest, index: number) => FaultAction;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a server, for network faults a device meets: every request reaches
 * the server (so what the server committed is real), and the fault is applied to the way back.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const proxy: FaultProxy = {
    url: '',
    requests: [],
    decide: () => ({ kind: 'pass' }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const seen = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', body: body.toString('utf8') };
    proxy.requests.push(seen);
    const action = proxy.decide(seen, proxy.requests.length - 1);
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const forwarded = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: seen.method, path: seen.path, headers: { ...incoming.headers, host: upstream.host } },
        async (response) => {
          const parts: Buffer[] = [];
          for await (const part of response) parts.push(part as Buffer);
          resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(parts) });
        },
      );
      forwarded.on('error', reject);
      forwarded.end(body);
    }).catch(() => undefined);
    if (!answer) {
      outgoing.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
      return;
    }
    if (action.kind === 'drop') {
      outgoing.socket?.destroy();
      return;
    }
    if (action.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, action.ms));
    if (outgoing.socket?.destroyed) return; // the client gave up meanwhile
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    outgoing.writeHead(answer.status, headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
