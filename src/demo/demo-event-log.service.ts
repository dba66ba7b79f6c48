import { Injectable, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

/** The demo's audit log: every module event as one line of JSON on stdout. */
@Injectable()
export class DemoEventLogService implements OnModuleInit {
  constructor(private readonly emitter: EventEmitter2) {}

  onModuleInit(): void {
    this.emitter.onAny((event, payload) => {
      const name = Array.isArray(event) ? event.join('.') : String(event);
      if (!name.startsWith('device-grant.')) return;
      process.stdout.write(`${JSON.stringify({ level: 'info', event: name, ...(payload as object) })}\n`);
    });
  }
}
