// Owned by the runtime (its ports throw it); re-exported for the adapter's own callers.
export { VersionConflictError } from '../runtime/errors.js';

/** DynamoDB refused or failed a request for a reason other than a version conflict. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
