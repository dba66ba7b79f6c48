import { Injectable } from '@nestjs/common';
import { GrantManagementService } from '../grants/grant-management.service.js';
import { ActivationPages } from './activation-pages.service.js';
import { readPostedForm } from './csrf.js';
import type { PageRequest } from './page-request.js';
import type { PageResult } from './page-response.js';
import { SessionService } from './session.service.js';
import { SignInService } from './sign-in.service.js';

/** The page where a signed-in person sees the devices they approved and disconnects one. */
@Injectable()
export class DevicesPageService {
  constructor(
    private readonly sessions: SessionService,
    private readonly management: GrantManagementService,
    private readonly pages: ActivationPages,
    private readonly signIn: SignInService,
  ) {}

  /** `GET /devices`: the devices the signed-in person approved. */
  async list(request: PageRequest, notice?: string, status = 200): Promise<PageResult> {
    const { session } = await this.sessions.read(request);
    const user = await this.pages.currentUser(request, session);
    if (!user) return this.signIn.required(request, session, null);
    const approved = await this.management.listApproved(user.id);
    return this.pages.devices(request, session, user, approved, status, notice);
  }

  /** `POST /devices`: disconnects one of the signed-in person's devices (its tokens are revoked). */
  async disconnect(request: PageRequest): Promise<PageResult> {
    const { session, form } = await readPostedForm(this.sessions, request);
    const m = this.pages.messages(request);
    const user = await this.pages.currentUser(request, session);
    if (!form || !user) return this.list(request, m.sessionExpired, 403);
    const disconnected = await this.management.disconnect(user.id, form.get('grant_id') ?? '');
    return this.list(request, disconnected ? m.disconnected : undefined, disconnected ? 200 : 404);
  }
}
