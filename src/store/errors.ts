/** The item changed since it was read: someone else (the sweeper, a retry) wrote it first. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`${key} was written by someone else since it was read`, options);
  }
}

/** DynamoDB refused or failed a request for a reason other than a version conflict. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
