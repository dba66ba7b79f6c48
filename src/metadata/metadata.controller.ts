import { Get, Header } from '@nestjs/common';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { endpointUrl, type ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';

/**
 * The authorization server metadata document, built once.
 * @see RFC 8414 §2–3, RFC 8628 §4
 */
export class MetadataController {
  private readonly document: Record<string, unknown>;

  constructor(@InjectDeviceGrantOptions() options: ResolvedDeviceGrantOptions) {
    this.document = buildMetadata(options);
  }

  @Get()
  @Header('Cache-Control', 'public, max-age=300')
  metadata(): Record<string, unknown> {
    return this.document;
  }
}

/** The RFC 8414 document for these options; the issuer is echoed exactly. */
export function buildMetadata(options: ResolvedDeviceGrantOptions): Record<string, unknown> {
  const authMethods = ['none', 'client_secret_basic', 'client_secret_post'];
  return {
    issuer: options.issuer,
    device_authorization_endpoint: endpointUrl(options, options.routes.deviceAuthorization),
    token_endpoint: endpointUrl(options, options.routes.token),
    jwks_uri: endpointUrl(options, options.routes.jwks),
    grant_types_supported: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint: endpointUrl(options, options.routes.revocation),
    revocation_endpoint_auth_methods_supported: authMethods,
    // Introspection reveals who a token is for: confidential clients only (RFC 7662 §2.1, §4).
    introspection_endpoint: endpointUrl(options, options.routes.introspection),
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: Object.keys(options.scopes),
  };
}
