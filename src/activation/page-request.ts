/** The parts of a request the pages read (Express and Fastify requests both fit). */
export interface PageRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
  rawBody?: Buffer;
  ip?: string;
}

/** The client IP as the HTTP framework sees it (configure its proxy trust; see the README). */
export function clientIp(request: PageRequest): string {
  return String(request.ip ?? 'unknown').slice(0, 64);
}
