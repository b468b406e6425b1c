/** Why one source gave no price for one call, in words fit for a task's `err` (after redaction). */
export class SourceError extends Error {
  override name = 'SourceError';

  constructor(
    message: string,
    /** The provider asked us to wait (a 429's or 503's Retry-After): how long, and the status that said so. */
    readonly retry?: { readonly afterMs: number; readonly status: number },
  ) {
    super(message);
  }
}
