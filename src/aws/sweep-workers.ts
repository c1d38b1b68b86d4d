import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import type { PartitionSweepResult, SweepAssignment, SweepWorkers } from '../runtime/sweep-partitions.js';

/** What the coordinator sends a worker: checked on arrival, like every boundary. */
export const sweepAssignment = z.object({
  observed: z.number().int().nonnegative().nullable(),
  partitions: z.array(z.string().regex(/^D#/)).min(1).max(1000),
  stopBy: z.number().int().nonnegative(),
});

const count = z.number().int().nonnegative();
const workerResult = z.object({
  due: count,
  written: count,
  alerts: count,
  failed: count,
  stoppedEarly: z.boolean(),
  unpublished: count,
});

export class SweepWorkerError extends Error {
  override name = 'SweepWorkerError';
}

/**
 * Sweep workers as synchronous invocations of the worker function. T travels in the payload: only
 * the coordinator's role may invoke the worker (IAM), so nothing on the stream can set it.
 */
export class LambdaSweepWorkers implements SweepWorkers {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
    readonly count: number,
  ) {}

  async run(assignment: SweepAssignment): Promise<PartitionSweepResult> {
    const payload = { ...assignment, observed: assignment.observed ?? null };
    const out = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    const text = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
    if (out.FunctionError !== undefined) {
      throw new SweepWorkerError(`sweep worker failed (${out.FunctionError}): ${text.slice(0, 500)}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new SweepWorkerError('sweep worker returned no JSON', { cause });
    }
    const parsed = workerResult.safeParse(body);
    if (!parsed.success) throw new SweepWorkerError(`sweep worker returned ${text.slice(0, 200)}`);
    return parsed.data;
  }
}
