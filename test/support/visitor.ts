import assert from 'node:assert/strict';

/** A tiny browser over HTTP: keeps the session cookie, follows no redirects on its own. */
export class Visitor {
  private cookie = '';

  constructor(
    private readonly base: () => string,
    private readonly language = 'en',
    /** Sent with every request (e.g. `X-Forwarded-For` to a server that trusts the test as its proxy). */
    private readonly headers: Record<string, string> = {},
  ) {}

  static at(url: string, language = 'en', headers: Record<string, string> = {}): Visitor {
    return new Visitor(() => url, language, headers);
  }

  async request(path: string, form?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string }> {
    const response = await fetch(this.base() + path, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...this.headers,
        cookie: this.cookie,
        'accept-language': this.language,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  /** Another visitor holding a copy of this one's cookie, as a thief (or a second tab) would; at `url` if given. */
  copy(): Visitor {
    return this.copyTo();
  }

  copyTo(url?: string): Visitor {
    const copied = new Visitor(url === undefined ? this.base : () => url, this.language, this.headers);
    copied.cookie = this.cookie;
    return copied;
  }

  static csrf(html: string): string {
    const match = /name="csrf" value="([^"]+)"/.exec(html);
    assert.ok(match, `no CSRF field in:\n${html.slice(0, 500)}`);
    return match[1];
  }

  /**
   * Follows `verification_uri_complete` as a person does: the link shows the code filled in (a GET
   * never evaluates it), and Continue submits it. The answer to that submission.
   */
  async openCode(userCode: string): Promise<{ status: number; headers: Headers; text: string }> {
    const linked = await this.request(`/activate?user_code=${encodeURIComponent(userCode)}`);
    assert.equal(linked.status, 200, linked.text.slice(0, 300));
    assert.ok(linked.text.includes(`value="${userCode}"`), 'the link fills the code in');
    return this.request('/activate', { csrf: Visitor.csrf(linked.text), user_code: userCode });
  }

  /** Opens the code's page and signs in if asked; ends on the consent screen. */
  async openConsent(userCode: string, username = 'alice', password = 'alice-password'): Promise<string> {
    const opened = await this.openCode(userCode);
    assert.equal(opened.status, 303, opened.text.slice(0, 300));
    let page = await this.request('/activate/confirm');
    if (/name="password"/.test(page.text)) {
      const signedIn = await this.request('/activate/sign-in', { csrf: Visitor.csrf(page.text), username, password });
      assert.equal(signedIn.status, 303, signedIn.text.slice(0, 300));
      page = await this.request('/activate/confirm');
    }
    assert.match(page.text, /name="decision"/, page.text.slice(0, 500));
    return page.text;
  }

  /** Approves (or denies) a code through the pages. */
  async decide(userCode: string, decision: 'approve' | 'deny' = 'approve'): Promise<void> {
    const consent = await this.openConsent(userCode);
    const done = await this.request('/activate/decision', { csrf: Visitor.csrf(consent), user_code: userCode, decision });
    assert.equal(done.status, 200, done.text.slice(0, 300));
  }
}
