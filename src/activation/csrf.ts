import { FormParams } from '../http/form-params.js';
import type { PageRequest } from './page-request.js';
import type { BrowserSession, SessionService } from './session.service.js';

/** A page form as POSTed: the browser session, and the form's fields once they passed the CSRF check. */
export interface PostedForm {
  session: BrowserSession;
  /** Null when the body is unreadable, or its `csrf` field is missing or not this session's token. */
  form: FormParams | null;
}

/**
 * Reads a page form's POST and checks its CSRF field against the session's token (in constant time; a
 * session without a cookie has no token to match). Every form of the pages goes through here.
 * @see RFC 6749 §10.12
 */
export async function readPostedForm(sessions: SessionService, request: PageRequest): Promise<PostedForm> {
  const { session, fresh } = await sessions.read(request);
  const form = readForm(request);
  return { session, form: form && sessions.checkCsrf(session, fresh, form.get('csrf')) ? form : null };
}

function readForm(request: PageRequest): FormParams | null {
  try {
    return FormParams.from(request);
  } catch {
    return null;
  }
}
