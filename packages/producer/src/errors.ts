/** An event that the consumer would quarantine: thrown by `emit`, where the bug is. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    message: string,
    readonly event: unknown,
  ) {
    super(message);
  }
}

/** Events that could not be put on the stream after every retry. They are on `failed`, not lost. */
export class EmitError extends Error {
  override readonly name = 'EmitError';
  constructor(
    readonly failed: readonly { event: Record<string, unknown>; error: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      `${failed.length} telemetry event${failed.length === 1 ? '' : 's'} could not be sent: ${failed[0]?.error ?? ''}`,
      options,
    );
  }
}
