import { eventHash } from '../engine/transition.js';
import { parseEvent } from '../events/parse.js';
import type { InvalidReason } from '../events/telemetry.js';
import { formatDuration } from '../workflow/duration.js';
import type { WorkflowConfig, WorkflowModel } from '../workflow/model.js';
import type { Group } from './fold.js';
import { checkHeartbeat, type HeartbeatCheck, mayBeHeartbeat } from './heartbeat.js';
import { unpackAggregated } from './kpl.js';
import type { ConsumerStore, MetricsSink, QuarantinedRecord } from './ports.js';

/** One Kinesis record, whatever delivered it (Lambda's event source mapping, or the dev poller). */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Position inside a KPL-aggregated record (0 for a plain record). */
  readonly subSequence?: number;
  readonly data: Uint8Array;
  /** approximateArrivalTimestamp, epoch ms. */
  readonly arrival: number;
}

export const quarantined = (
  record: StreamRecord,
  reason: InvalidReason,
  message: string,
): QuarantinedRecord => ({
  ...record,
  payload: record.data,
  reason,
  message,
});

/**
 * Checks records against the deployment's heartbeat key, read only for batches that may hold a
 * heartbeat and then cached per container (absent until the first sweep creates it: no heartbeat
 * is genuine before). A cached key may have been rotated since (its item deleted, a new one created
 * by the next sweep): it is read once more before a heartbeat is called forged.
 */
function heartbeatChecker(notAfter: number, deps: ReadDeps) {
  const read = async () => {
    const key = await deps.store.getHeartbeatKey();
    if (key !== undefined && deps.cache) deps.cache.heartbeatKey = key;
    return key;
  };
  let key: Promise<Uint8Array | undefined> | undefined;
  let refreshed = false;
  return async (data: Uint8Array): Promise<HeartbeatCheck> => {
    if (!mayBeHeartbeat(data)) return checkHeartbeat(data, undefined, notAfter);
    key ??= deps.cache?.heartbeatKey !== undefined ? Promise.resolve(deps.cache.heartbeatKey) : read();
    const beat = checkHeartbeat(data, await key, notAfter);
    if (beat.kind !== 'forged' || refreshed) return beat;
    refreshed = true;
    key = read();
    return checkHeartbeat(data, await key, notAfter);
  };
}

export function compareRecords(a: StreamRecord, b: StreamRecord): number {
  const x = BigInt(a.sequenceNumber);
  const y = BigInt(b.sequenceNumber);
  return x < y ? -1 : x > y ? 1 : (a.subSequence ?? 0) - (b.subSequence ?? 0);
}

/** What reading a batch needs: the consumer's dependencies, as far as reading goes. */
export interface ReadDeps {
  config: WorkflowConfig;
  store: Pick<ConsumerStore, 'instanceKey' | 'getHeartbeatKey'>;
  metrics: MetricsSink;
  clock: () => number;
  maxSkewMs: number;
  cache?: { heartbeatKey?: Uint8Array; sources?: Set<string> };
}

/**
 * Sources are the producers' own names, so unbounded: the first 20 a container sees are dimensions
 * of their own, the rest count as `other`. Cardinality stays known whatever producers send.
 */
const MAX_SOURCES = 20;

function sourceDimension(source: string | undefined, deps: ReadDeps): string {
  const name = source ?? 'unknown';
  const seen = deps.cache ? (deps.cache.sources ??= new Set()) : undefined;
  if (seen === undefined || seen.has(name)) return name;
  if (seen.size >= MAX_SOURCES) return 'other';
  seen.add(name);
  return name;
}

/**
 * The read step: KPL aggregates unpacked, records in sequence order, heartbeats checked against the
 * deployment's key, events parsed under the time bound and grouped by instance; anything invalid
 * set aside with its reason. Nothing here writes.
 */
export async function readBatch(records: readonly StreamRecord[], deps: ReadDeps) {
  const wall = deps.clock();
  const invalid: QuarantinedRecord[] = [];
  const ordered: StreamRecord[] = [];
  for (const record of records) {
    const unpacked = unpackAggregated(record);
    if ('reason' in unpacked) invalid.push({ ...record, payload: record.data, ...unpacked });
    else ordered.push(...unpacked);
  }
  ordered.sort(compareRecords);
  const checkBeat = heartbeatChecker(wall + deps.maxSkewMs, deps);
  const bound = `its arrival time plus the allowed clock skew (${formatDuration(deps.maxSkewMs)})`;
  const groups = new Map<string, Group>();
  const heartbeats: { seq: bigint; time: number }[] = [];
  for (const record of ordered) {
    const seq = BigInt(record.sequenceNumber);
    const beat = await checkBeat(record.data);
    if (beat.kind === 'beat') {
      heartbeats.push({ seq, time: beat.time });
      continue;
    }
    if (beat.kind === 'forged') {
      deps.metrics.count('forgedHeartbeats');
      invalid.push(quarantined(record, 'forged_heartbeat', beat.message));
      continue;
    }
    const parsed = parseEvent(record.data, deps.config, {
      notAfter: record.arrival + deps.maxSkewMs,
      because: bound,
    });
    if (!parsed.ok) {
      invalid.push(quarantined(record, parsed.reason, parsed.message));
      continue;
    }
    const event = parsed.event;
    deps.metrics.timing('ingestLag', wall - record.arrival);
    deps.metrics.timing('ingestLag', wall - record.arrival, { source: sourceDimension(event.source, deps) });
    deps.metrics.timing('eventTimeSkew', record.arrival - event.time);
    const key = deps.store.instanceKey(event.workflow, event.correlationId);
    let group = groups.get(key);
    if (!group) {
      group = { key, model: deps.config.workflows.get(event.workflow) as WorkflowModel, events: [] };
      groups.set(key, group);
    }
    group.events.push({ record, event, hash: eventHash(event.eventId), seq });
  }
  return { ordered, groups, heartbeats, invalid };
}
