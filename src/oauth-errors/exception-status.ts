import { HttpException } from '@nestjs/common';

/**
 * The HTTP status an exception carries: a Nest `HttpException`'s, or the `statusCode` / `status` that
 * body parsers (Express's body-parser, Fastify's content-type parsers) set on their errors. NaN when
 * it carries none.
 */
export function exceptionStatus(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  const carried = exception as { statusCode?: unknown; status?: unknown } | null | undefined;
  return Number(carried?.statusCode ?? carried?.status);
}
