/** The parts of a request the pages read (Express and Fastify requests both fit). */
export interface PageRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
  rawBody?: Buffer;
  ip?: string;
}
