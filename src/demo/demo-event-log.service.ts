import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

/**
 * The demo's audit log: every module event as one line of JSON on stdout. Lines logged in one turn of
 * the event loop go out in one write (a write to a pipe is a system call, and a busy server logs a
 * line per device authorization); whatever is pending is written before the process shuts down.
 */
@Injectable()
export class DemoEventLogService implements OnModuleInit, OnApplicationShutdown {
  private pending: string[] = [];

  constructor(private readonly emitter: EventEmitter2) {}

  onModuleInit(): void {
    this.emitter.onAny((event, payload) => {
      const name = Array.isArray(event) ? event.join('.') : String(event);
      if (!name.startsWith('device-grant.')) return;
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push(`${JSON.stringify({ level: 'info', event: name, ...(payload as object) })}\n`);
    });
  }

  onApplicationShutdown(): void {
    this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending.join('');
    this.pending = [];
    process.stdout.write(lines);
  }
}
