import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * Lets keep-alive connections end with their last answer once the application shuts down. Closing
 * the HTTP server waits for every open connection, and a connection that was busy when the shutdown
 * began stays open after its answer until the keep-alive timeout (72 s on Fastify): the process would
 * linger that long. From the start of the shutdown every answer still to be sent carries
 * `Connection: close`, so each connection closes right after its in-flight request is answered.
 * Works on any adapter (it sits on Node's HTTP server); add it to the application module's providers.
 */
@Injectable()
export class ConnectionDrainService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly inFlight = new Set<ServerResponse>();
  private closing = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.httpVersionMajor >= 2) return;
      if (this.closing) return closeAfter(response);
      this.inFlight.add(response);
      response.once('close', () => this.inFlight.delete(response));
    });
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const response of this.inFlight) closeAfter(response);
    this.inFlight.clear();
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader('Connection', 'close');
}
