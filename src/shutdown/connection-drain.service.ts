import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Lets keep-alive connections end with their last answer once the application shuts down. Closing
 * the HTTP server waits for every open connection, and a connection that was busy when the shutdown
 * began stays open after its answer until the keep-alive timeout (72 s on Fastify): the process would
 * linger that long. From the start of the shutdown every answer still to be sent carries
 * `Connection: close`, so each connection closes right after its in-flight request is answered.
 * Works on any adapter (it sits on Node's HTTP server); add it to the application module's providers.
 *
 * It keeps the open connections, not the requests: a connection lives for many requests, while
 * putting every response into a long-lived set (and a `close` listener on each) kept each one alive
 * long enough to be promoted out of V8's young generation (bench/RESULTS.md has the profile). A connection's
 * response in flight is Node's `socket._httpMessage`, the field http-terminator reads for the same
 * purpose.
 */
@Injectable()
export class ConnectionDrainService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly connections = new Set<Socket>();
  private server?: Server;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  beforeApplicationShutdown(): void {
    for (const socket of this.connections) {
      const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (response) closeAfter(response);
    }
    this.connections.clear();
    // Requests that arrive on an open connection from now on are answered with `Connection: close` too.
    this.server?.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.httpVersionMajor < 2) closeAfter(response);
    });
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
