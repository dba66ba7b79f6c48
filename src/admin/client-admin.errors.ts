/**
 * A client-administration request that cannot be carried out as given (bad name, unknown scope,
 * duplicate or unknown id, bad lifetime, …). The message says what to change; the CLI prints it and
 * exits with status 1.
 */
export class ClientAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientAdminError';
  }
}
