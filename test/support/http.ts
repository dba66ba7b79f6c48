/** What a test reads from an HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** POSTs a form body (or any raw body) and reads the answer. */
export async function post(
  url: string,
  body: Record<string, string> | string,
  init: { headers?: Record<string, string>; contentType?: string | null } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  const contentType = init.contentType === undefined ? 'application/x-www-form-urlencoded' : init.contentType;
  if (contentType) headers['content-type'] = contentType;
  const payload = typeof body === 'string' ? body : new URLSearchParams(body).toString();
  const response = await fetch(url, { method: 'POST', headers, body: payload });
  return read(response);
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return read(await fetch(url, { headers }));
}

async function read(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** HTTP Basic credentials, form-urlencoded before base64 as RFC 6749 §2.3.1 says. */
export function basic(id: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64');
}
