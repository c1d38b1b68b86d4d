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
