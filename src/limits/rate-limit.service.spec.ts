import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DEFAULT_OPTIONS, USER_CODE_ALPHABETS } from '../device-grant.options.js';
import { unitKit, type UnitKit } from '../testing/unit-kit.js';
import { DEFAULT_LIMITS } from './limits.options.js';

const options = { timeout: 30_000 };
const ADDRESS = '198.51.100.7';

/**
 * An attacker at one address with as many browser sessions as it likes, guessing user codes for
 * `seconds`: each second it guesses until the address is refused (a session that is refused is
 * swapped for a fresh one), or only `perWindow` guesses per address window when patient. Returns the
 * guesses that were evaluated.
 */
async function guessCodes(kit: UnitKit, seconds: number, perWindow = Infinity): Promise<number> {
  let evaluated = 0;
  let session = 0;
  let inWindow = 0;
  let windowEnds = 0;
  for (let second = 0; second < seconds; second++) {
    if (second >= windowEnds) [inWindow, windowEnds] = [0, second + DEFAULT_LIMITS.codesPerAddress.window];
    while (inWindow < perWindow) {
      let attempt = await kit.limits.attempt(kit.limits.codeEntry(ADDRESS, `session-${session}`));
      if (attempt.waitMs > 0) attempt = await kit.limits.attempt(kit.limits.codeEntry(ADDRESS, `session-${++session}`));
      if (attempt.waitMs > 0) break;
      evaluated++;
      inWindow++;
      await kit.limits.failed(attempt);
    }
    kit.clock.advance(1);
  }
  return evaluated;
}

/** The README's Security section, where every budget is stated (this spec runs compiled, from dist/src/limits). */
function readmeSecurity(): string {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Security');
  assert.ok(start >= 0, 'README has a Security section');
  // One line: a sentence may wrap anywhere.
  return readme.slice(start, readme.indexOf('\n## ', start + 1)).replace(/\s+/g, ' ');
}

describe('guess budgets (RateLimitService on the memory store, a manual clock)', options, () => {
  test('one address, any number of sessions: at most 20 user-code guesses evaluated in a code\'s lifetime, 216 a day, as the README states', options, async () => {
    const lifetime = DEFAULT_OPTIONS.deviceCodeTtl;
    const greedy = await guessCodes(await unitKit(), lifetime);
    const patient = await guessCodes(await unitKit(), lifetime, DEFAULT_LIMITS.codesPerAddress.max - 1);
    // Greedy: 10 at 0 s, locked 5 min; 10 at 300 s, locked 10 min (to 900 s, after the code expired).
    assert.equal(greedy, 20);
    assert.ok(patient <= greedy, `patient: ${patient}`);
    // Over a day, staying under the lockout (9 an hour) beats running into it.
    const greedyDay = await guessCodes(await unitKit(), 86400);
    const patientDay = await guessCodes(await unitKit(), 86400, DEFAULT_LIMITS.codesPerAddress.max - 1);
    assert.equal(patientDay, 216);
    assert.ok(greedyDay <= patientDay, `greedy over a day: ${greedyDay}`);
    const codes = USER_CODE_ALPHABETS[DEFAULT_OPTIONS.userCodeCharset].length ** DEFAULT_OPTIONS.userCodeLength;
    const chance = (live: number) => 1 - (1 - live / codes) ** greedy;
    const security = readmeSecurity();
    assert.match(security, new RegExp(`at most \\*\\*${greedy} guesses\\*\\* in a code's ${lifetime / 60} minutes[^.]*\\*\\*${patientDay}\\*\\* a day`));
    assert.match(security, new RegExp(`one live code: \\*\\*${scientific(chance(1))}\\*\\*`));
    assert.match(security, new RegExp(`10,000 live codes: \\*\\*${scientific(chance(10_000))}\\*\\*`));
  });

  test('one session: at most 5 guesses a minute, then a lockout that doubles', options, async () => {
    const kit = await unitKit({ limits: { codesPerAddress: { max: 1000 } } });
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let guess = 0; guess < DEFAULT_LIMITS.codesPerSession.max; guess++) {
        const attempt = await kit.limits.attempt(kit.limits.codeEntry(ADDRESS, 'one-session'));
        assert.equal(attempt.waitMs, 0, `round ${round}, guess ${guess}`);
        await kit.limits.failed(attempt);
      }
      const refused = await kit.limits.attempt(kit.limits.codeEntry(ADDRESS, 'one-session'));
      waits.push(refused.waitMs / 1000);
      kit.clock.advance(refused.waitMs / 1000);
    }
    assert.deepEqual(waits, [60, 120, 240]);
    assert.match(readmeSecurity(), /\*\*5 wrong codes\*\* a minute per browser session/);
  });

  test('passwords: per (account, address) a lock, per address over all accounts a lock, per account only a growing pause', options, async () => {
    const kit = await unitKit();
    const wrong = async (ip: string, account: string) => {
      const attempt = await kit.limits.attempt(kit.limits.signIn(ip, account));
      if (attempt.waitMs === 0) await kit.limits.failed(attempt);
      return attempt.waitMs;
    };
    // (account, address): 10, then this address is locked out of this account, not of another's.
    for (let i = 0; i < 10; i++) assert.equal(await wrong('192.0.2.1', 'alice'), 0);
    assert.ok((await wrong('192.0.2.1', 'ALICE')) > 0, 'the account name is case-folded');
    assert.equal(await wrong('192.0.2.1', 'bob'), 0);
    // The address over all accounts: 30, then locked for any account.
    for (let i = 0; i < 19; i++) assert.equal(await wrong('192.0.2.1', `user-${i}`), 0);
    assert.ok((await wrong('192.0.2.1', 'carol')) > 0, 'password spraying from one address stops at 30');

    // One account from many addresses: 20 failures, then a pause of 30 s, doubling up to 15 min, never longer.
    const pauses: number[] = [];
    let address = 0;
    for (let round = 0; round < 8; round++) {
      let waitMs = 0;
      while (waitMs === 0) waitMs = await wrong(`203.0.113.${address++ % 250}`, 'dave');
      pauses.push(waitMs / 1000);
      kit.clock.advance(waitMs / 1000);
      // After the pause the right password from a fresh address is evaluated (and gives its attempt back).
      const right = await kit.limits.attempt(kit.limits.signIn('198.51.100.200', 'dave'));
      assert.equal(right.waitMs, 0, `after pause ${round + 1}`);
      await kit.limits.succeeded(right);
    }
    assert.deepEqual(pauses, [30, 60, 120, 240, 480, 900, 900, 900]);
    const security = readmeSecurity();
    assert.match(security, /\*\*10 wrong passwords\*\* per account from one address/);
    assert.match(security, /\*\*30\*\* per address over all accounts/);
    assert.match(security, /\*\*20\*\* per account from all addresses, then a pause of 30 s that doubles up to 15 minutes/);
  });

  test('device authorization requests: 30 a minute per address, then the wait until the window ends', options, async () => {
    const kit = await unitKit();
    for (let i = 0; i < 30; i++) assert.equal(await kit.limits.deviceAuthorizationFrom(ADDRESS), 0);
    kit.clock.advance(20);
    assert.equal(await kit.limits.deviceAuthorizationFrom(ADDRESS), 40_000);
    assert.equal(await kit.limits.deviceAuthorizationFrom('2001:db8:1:2::1'), 0, 'another address has its own');
    kit.clock.advance(40);
    assert.equal(await kit.limits.deviceAuthorizationFrom(ADDRESS), 0, 'a new window');
    assert.match(readmeSecurity(), /\*\*30 device authorization requests\*\* a minute per address and \*\*600\*\* a minute per client/);
  });
});

/** `1.6 × 10⁻⁹`: two significant digits, the exponent in superscript. */
function scientific(value: number): string {
  const exponent = Math.floor(Math.log10(value));
  const mantissa = (value / 10 ** exponent).toFixed(1);
  const superscript = String(exponent).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]);
  return `${mantissa} × 10${superscript}`;
}
