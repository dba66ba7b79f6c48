/** The most grants remembered; a misbehaving device is one entry, so this is far more than a fleet sends at once. */
const MAX_GRANTS = 10_000;

/**
 * The grants this instance answered `slow_down` recently, each with the moment (ms since the epoch)
 * before which its next poll is still too early: the time of that poll plus the interval it grew to.
 *
 * A poll earlier than that cannot be on time in the database either: the `slow_down` write set the
 * grant's last poll to that poll's time (or a later one) and its interval to at least the one
 * remembered here, and a grant's interval never shrinks. So such a poll skips the on-time stamp, a
 * conditional update that could only fail, and goes straight to `slow_down`'s conditional update; when
 * that finds no pending, live grant of the client (the user decided, the code expired, the device was
 * disconnected), the grant is read and answered as any other poll. A device hammering the token
 * endpoint then costs one statement per batch instead of three. Nothing here decides an answer;
 * forgetting an entry only means the stamp is tried again.
 */
export class RecentSlowDowns {
  private readonly until = new Map<string, number>();

  /** Whether a poll of this device-code key at `at` is certainly too early. */
  tooEarly(deviceCodeKey: string, at: number): boolean {
    if (this.until.size === 0) return false;
    const until = this.until.get(deviceCodeKey);
    if (until === undefined) return false;
    if (at < until) return true;
    this.until.delete(deviceCodeKey);
    return false;
  }

  /** After a `slow_down` of the poll at `at`, which left the grant's interval at `interval` seconds. */
  note(deviceCodeKey: string, at: number, interval: number): void {
    const until = at + interval * 1000;
    if (until <= (this.until.get(deviceCodeKey) ?? 0)) return;
    this.until.delete(deviceCodeKey);
    if (this.until.size >= MAX_GRANTS) this.until.delete(this.until.keys().next().value!);
    this.until.set(deviceCodeKey, until);
  }
}
