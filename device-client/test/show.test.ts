import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCountdown, renderPrompt, renderQr, type PendingAuthorization } from '../src/index.js';

const now = Date.UTC(2030, 0, 1);
const pending: PendingAuthorization = {
  deviceCode: 'secret-device-code',
  userCode: 'WDJB-MJHT',
  verificationUri: 'https://as.example/device',
  verificationUriComplete: 'https://as.example/device?user_code=WDJB-MJHT',
  interval: 5,
  requestedAt: now,
  expiresAt: now + 900_000,
};

describe('show (RFC 8628 §3.3, §3.3.1)', () => {
  it('shows the URI and the user code, a QR code of the complete URI, and the countdown; never the device code', async () => {
    const text = await renderPrompt(pending, { now: now + 1000, qrType: 'utf8' });
    assert.match(text, /https:\/\/as\.example\/device\n/);
    assert.match(text, /WDJB-MJHT/);
    assert.match(text, /[█▀▄]/, 'a QR code drawn with block characters');
    assert.match(text, /The code expires in 14:59\./);
    assert.doesNotMatch(text, /secret-device-code/);
  });

  it('draws no QR code when asked not to, or without verification_uri_complete', async () => {
    const { verificationUriComplete: _unused, ...plain } = pending;
    for (const text of [await renderPrompt(pending, { qr: false, now }), await renderPrompt(plain, { now })]) {
      assert.doesNotMatch(text, /[█▀▄]/);
      assert.match(text, /WDJB-MJHT/);
    }
  });

  it('renders a terminal QR code with the optional qrcode package', async () => {
    const qr = await renderQr(pending.verificationUriComplete!, 'terminal');
    assert.ok(qr && qr.length > 100);
  });

  it('counts down to expiry', () => {
    assert.equal(formatCountdown(pending, now), 'The code expires in 15:00.');
    assert.equal(formatCountdown(pending, now + 899_001), 'The code expires in 0:01.');
    assert.equal(formatCountdown(pending, now + 900_000), 'The code has expired.');
  });
});
