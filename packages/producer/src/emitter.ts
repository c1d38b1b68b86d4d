import { randomUUID } from 'node:crypto';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DEFAULT_MAX_SKEW_MS,
  MAX_EVENT_BYTES,
  type NativeEvent,
  nativeEventProblem,
  parseTime,
} from './contract.js';
import { InvalidEventError } from './errors.js';
import { type SendOptions, sendEvents } from './send.js';

/** A step event as a producer writes it (contract §1's native shape); eventId and time may be left out. */
export interface StepEvent extends Omit<NativeEvent, 'eventId' | 'correlationId' | 'time'> {
  correlationId: string;
  /** Event time: ISO-8601 with an offset, epoch ms, or a Date. Default: now. */
  time?: string | number | Date;
  /** Default: a random UUID. Set it to make retries of the same step idempotent. */
  eventId?: string;
}

export interface EmitterOptions extends SendOptions {
  streamName: string;
  /** Default: a KinesisClient from the environment (region, credentials, AWS_ENDPOINT_URL_KINESIS). */
  client?: KinesisClient;
  /** Default source for events that name none (the trackStep middleware uses the function name). */
  source?: string;
}

export interface FlushResult {
  sent: number;
  /** Events Kinesis still refused after the last retry, with its reason. */
  failed: { event: Record<string, unknown>; error: string }[];
}

export interface Emitter {
  /** Validates and buffers one event. Throws InvalidEventError for an event the consumer would quarantine. */
  emit(event: StepEvent): void;
  /** Sends what is buffered (≤ 500 records, ≤ 5 MiB a call), retrying refused records with backoff. */
  flush(): Promise<FlushResult>;
  /** Events buffered and not yet sent. */
  readonly pending: number;
}

/** Timeouts: a telemetry endpoint that never answers must not hold the instrumented handler. */
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * The default client. Kinesis clients speak HTTP/2, which a local stand-in on a plain-HTTP endpoint
 * (`overdue dev`, kinesalite) does not: there it gets the SDK's HTTP/1.1 handler, loaded at run time
 * by a name bundlers leave alone, so that a deployed function never carries it.
 */
async function defaultClient(): Promise<KinesisClient> {
  const endpoint = process.env.AWS_ENDPOINT_URL_KINESIS ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint?.startsWith('http://')) {
    const specifier = '@smithy/node-http-handler';
    const { NodeHttpHandler } = (await import(specifier)) as typeof import('@smithy/node-http-handler');
    return new KinesisClient({
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 3_000,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true, // otherwise the timeout only logs a warning
        socketTimeout: REQUEST_TIMEOUT_MS,
      }),
    });
  }
  return new KinesisClient({ requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS } });
}

/**
 * Buffers telemetry events and puts them on the stream with the correlation ID as partition key,
 * so that an instance's events stay in order on one shard.
 */
export function createEmitter(options: EmitterOptions): Emitter {
  let client: Promise<KinesisClient> | undefined = options.client && Promise.resolve(options.client);
  let buffer: { event: Record<string, unknown>; line: string }[] = [];
  return {
    emit(input: StepEvent) {
      const time =
        input.time instanceof Date ? input.time.toISOString() : (input.time ?? new Date().toISOString());
      const event: Record<string, unknown> = {
        ...input,
        eventId: input.eventId ?? randomUUID(),
        time,
        ...(input.source === undefined && options.source !== undefined ? { source: options.source } : {}),
      };
      // The consumer's own rules, its time bound included: arrival (now) plus the allowed skew.
      const when = parseTime(time, {
        notAfter: Date.now() + DEFAULT_MAX_SKEW_MS,
        because: 'now plus the clock skew the monitor allows (2m)',
      });
      const problem = nativeEventProblem(event) ?? (typeof when === 'string' ? when : undefined);
      if (problem !== undefined) throw new InvalidEventError(problem, input);
      const line = JSON.stringify(event);
      if (Buffer.byteLength(line) > MAX_EVENT_BYTES) {
        throw new InvalidEventError(
          `the event is ${Buffer.byteLength(line)} bytes; Kinesis takes at most 1 MiB`,
          input,
        );
      }
      buffer.push({ event, line });
    },
    async flush() {
      const batch = buffer;
      buffer = [];
      if (batch.length === 0) return { sent: 0, failed: [] };
      client ??= defaultClient();
      const result = await sendEvents(
        await client,
        options.streamName,
        batch.map((b) => b.line),
        options,
      );
      return {
        sent: result.sent,
        failed: result.failed.map((f) => ({
          event: (batch[f.line - 1] as (typeof batch)[number]).event,
          error: f.error,
        })),
      };
    },
    get pending() {
      return buffer.length;
    },
  };
}
