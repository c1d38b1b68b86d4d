import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { type ConsumerDeps, consumeBatch, type StreamRecord } from '../runtime/consume-batch.js';
import type { MetricsSink } from '../runtime/ports.js';
import { type SweeperDeps, type SweepResult, sweepRepeatedly } from '../runtime/sweep.js';
import {
  type PartitionSweepDeps,
  type PartitionSweepResult,
  sweepPartitions,
} from '../runtime/sweep-partitions.js';
import { SweepWorkerError, sweepAssignment } from './sweep-workers.js';

/** Lambda's Kinesis records as the consumer's stream records. */
export function toStreamRecords(event: KinesisStreamEvent): StreamRecord[] {
  return event.Records.map((r) => ({
    // eventID is "<shardId>:<sequenceNumber>".
    shardId: r.eventID.slice(0, r.eventID.lastIndexOf(':')),
    sequenceNumber: r.kinesis.sequenceNumber,
    data: Buffer.from(r.kinesis.data, 'base64'),
    arrival: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
  }));
}

/**
 * A handler with Powertools' Lambda context in its logs and, when given, its metrics flushed after
 * each invocation. `metrics` is optional: dev mode has no CloudWatch to flush embedded metrics to.
 */
function powertools<E, R>(
  fn: (event: E, context: Context) => Promise<R>,
  logger: Logger,
  metrics: Metrics | undefined,
  sink?: MetricsSink,
) {
  const handler = middy(fn).use(injectLambdaContext(logger));
  // Behaviour metrics (with dimensions) are written after each invocation, failed ones included.
  const flush = () => sink?.flush?.();
  handler.use({ after: flush, onError: flush });
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}

export function consumerHandler(deps: ConsumerDeps, logger: Logger, metrics?: Metrics) {
  return powertools(
    async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
      const result = await consumeBatch(toStreamRecords(event), deps);
      logger.info('batch processed', {
        records: event.Records.length,
        events: result.events,
        duplicates: result.duplicates,
        invalid: result.invalid,
        writes: result.writes,
        failedSequenceNumber: result.failedSequenceNumber ?? null,
      });
      return {
        batchItemFailures:
          result.failedSequenceNumber === undefined ? [] : [{ itemIdentifier: result.failedSequenceNumber }],
      };
    },
    logger,
    metrics,
    deps.metrics,
  );
}

export interface SweeperOptions {
  everyMs: number;
  safetyMarginMs: number;
  /**
   * The schedule's period: sweeps end before the next invocation starts (the function's timeout is
   * longer), so that the next one takes over with no gap and no overlap. Unset: the timeout bounds.
   */
  periodMs?: number;
  /** What the last sweep needs before the stop time (its heartbeat wait and some work). */
  minSweepMs?: number;
}

/** Sweeps stop this long before the next scheduled invocation. */
const HANDOVER_MS = 500;

export function sweeperHandler(
  deps: SweeperDeps,
  options: SweeperOptions,
  logger: Logger,
  metrics?: Metrics,
) {
  return powertools(
    async (_event: unknown, context: Context): Promise<SweepResult[]> => {
      const started = deps.clock();
      const stopBy = Math.min(
        started + context.getRemainingTimeInMillis() - options.safetyMarginMs,
        options.periodMs === undefined ? Number.POSITIVE_INFINITY : started + options.periodMs - HANDOVER_MS,
      );
      const results = await sweepRepeatedly(deps, {
        everyMs: options.everyMs,
        stopBy,
        ...(options.minSweepMs === undefined ? {} : { minSweepMs: options.minSweepMs }),
      });
      for (const r of results) logger.info('sweep done', { ...r, observed: r.observed ?? null });
      return results;
    },
    logger,
    metrics,
    deps.metrics,
  );
}

/**
 * A sweep worker: its share of the index partitions, at the T the coordinator sent. It stops by the
 * coordinator's deadline or its own, whichever comes first.
 */
export function sweepWorkerHandler(
  deps: PartitionSweepDeps,
  options: Pick<SweeperOptions, 'safetyMarginMs'>,
  logger: Logger,
  metrics?: Metrics,
) {
  return powertools(
    async (event: unknown, context: Context): Promise<PartitionSweepResult> => {
      const parsed = sweepAssignment.safeParse(event);
      if (!parsed.success) {
        throw new SweepWorkerError(`not a sweep assignment: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }
      const own = deps.clock() + context.getRemainingTimeInMillis() - options.safetyMarginMs;
      const { observed, partitions, stopBy } = parsed.data;
      const result = await sweepPartitions(deps, {
        observed: observed ?? undefined,
        partitions,
        stopBy: Math.min(stopBy, own),
      });
      logger.info('sweep share done', { partitions: partitions.length, ...result });
      return result;
    },
    logger,
    metrics,
    deps.metrics,
  );
}
