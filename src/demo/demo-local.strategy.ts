import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { DemoUsersService } from './demo-users.service.js';

/** The name the demo gives its passport-local strategy; the activation page signs in through it. */
export const DEMO_LOCAL_STRATEGY = 'demo-local';

/** Username and password against the demo's user table. */
@Injectable()
export class DemoLocalStrategy extends PassportStrategy(Strategy, DEMO_LOCAL_STRATEGY) {
  constructor(private readonly users: DemoUsersService) {
    super();
  }

  validate(username: string, password: string): Promise<{ sub: string; name: string } | null> {
    return this.users.verify(username, password);
  }
}
