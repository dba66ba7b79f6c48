import type { Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { INestApplication } from '@nestjs/common';

/**
 * Builds an application whose options name its own URL (the issuer) and serves it on a port the kernel
 * picked. A socket listens on 127.0.0.1 port 0 first, so the port is known before `build` runs; Node's
 * `server.listen(handle)` then moves that listening handle to the application's HTTP server (Fastify or
 * Express), which owns it from then on (`app.close()` closes it). The port is never released in
 * between, so no other process can take it.
 */
export async function startOnFreshPort<T extends INestApplication>(
  build: (url: string) => Promise<T>,
): Promise<{ app: T; url: string; port: number }> {
  const held = await listenOnPortZero();
  const { port } = held.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  let app: T;
  try {
    app = await build(url);
    await app.init();
  } catch (error) {
    held.close();
    throw error;
  }
  const adapter = app.getHttpAdapter();
  // Fastify finishes registering its routes in ready(); its own listen() would call it.
  if (adapter.getType() === 'fastify') await (adapter.getInstance() as { ready(): Promise<unknown> }).ready();
  const server = app.getHttpServer() as HttpServer;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(held, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { app, url, port };
}

/** Builds and serves an application on a given port again: a restart at the address a test just closed. */
export async function startOnPort<T extends INestApplication>(port: number, build: (url: string) => Promise<T>): Promise<{ app: T; url: string; port: number }> {
  const url = `http://127.0.0.1:${port}`;
  const app = await build(url);
  await app.listen(port, '127.0.0.1');
  return { app, url, port };
}

/** The port an application that listened on port 0 was given. */
export function boundPort(app: INestApplication): number {
  return ((app.getHttpServer() as HttpServer).address() as { port: number }).port;
}

function listenOnPortZero(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const socket = createServer();
    socket.once('error', reject);
    socket.listen(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}
