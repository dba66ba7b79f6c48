import type { SignInStore } from '../device-grant-store.js';
import type { SignInRecord } from '../records.js';
import { copy, type MemoryData } from './memory-data.js';

export class MemorySignIns implements SignInStore {
  constructor(private readonly data: MemoryData) {}

  async create(record: SignInRecord): Promise<void> {
    this.data.signIns.set(record.id, copy(record));
  }

  async isLive(id: string, now: number): Promise<boolean> {
    const signIn = this.data.signIns.get(id);
    return signIn !== undefined && signIn.endedAt === null && signIn.expiresAt > now;
  }

  async end(id: string, now: number): Promise<void> {
    const signIn = this.data.signIns.get(id);
    if (signIn && signIn.endedAt === null) signIn.endedAt = now;
  }

  async endAll(subject: string, now: number): Promise<number> {
    let ended = 0;
    for (const signIn of this.data.signIns.values()) {
      if (signIn.subject === subject && signIn.endedAt === null && signIn.expiresAt > now) {
        signIn.endedAt = now;
        ended++;
      }
    }
    return ended;
  }
}
