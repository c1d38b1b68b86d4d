// DynamoDB requests and estimated capacity units per event for the consumer, at several batch
// sizes and two traffic shapes, against dynalite through the real store. Prints one JSON line.

import { createTable, startEmulators } from '../src/local/emulators.js';
import { consumeBatch, type StreamRecord } from '../src/runtime/consume-batch.js';
import { heartbeatRecord, newHeartbeatKey } from '../src/runtime/heartbeat.js';
import type { AlertPublisher, LogSink, MetricsSink } from '../src/runtime/ports.js';
import { DynamoDbStore } from '../src/store/dynamodb-store.js';
import { RequestMeter } from './request-meter.js';
import { behaviourConfig, benchConfig, benchEvents } from './workload.js';

const quietLog: LogSink = { info() {}, warn() {}, error() {} };
const noMetrics: MetricsSink = { count() {}, timing() {}, gauge() {} };
const publisher: AlertPublisher = {
  publish: async (alerts) => ({ published: new Set(alerts.map((a) => a.alertId)), failed: [] }),
};

/** Events as one shard delivers them, with the sweeper's heartbeat once a minute of event time. */
function records(events: Record<string, unknown>[], key: Uint8Array): StreamRecord[] {
  const out: StreamRecord[] = [];
  let seq = 10n ** 20n;
  let nextBeat = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    const time = Date.parse(event.time as string);
    if (time >= nextBeat) {
      out.push({
        shardId: 'shardId-0',
        sequenceNumber: String(seq++),
        data: Buffer.from(heartbeatRecord(time, key)),
        arrival: time,
      });
      nextBeat = time + 60_000;
    }
    out.push({
      shardId: 'shardId-0',
      sequenceNumber: String(seq++),
      data: Buffer.from(JSON.stringify(event)),
      arrival: time,
    });
  }
  return out;
}

/** Each instance's six events within 1.5 s (a pipeline of quick functions), 20 instances a second. */
function burstyEvents(instances: number): Record<string, unknown>[] {
  return benchEvents(instances)
    .map((e) => {
      const [i, s] = String(e.eventId).slice(2).split('-').map(Number) as [number, number];
      const at = Date.parse('2026-11-02T00:00:00Z') + i * 50 + s * 300;
      return { ...e, time: new Date(at).toISOString() };
    })
    .sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

const emu = await startEmulators();
const meter = new RequestMeter();
meter.attach(emu.dynamodb);
const rows = [];
let serial = 0;
for (const [shape, make, behaviour] of [
  ['spread', benchEvents, false],
  ['bursty', burstyEvents, false],
  // Learned baselines on every step: what their shares cost in writes, per event.
  ['spread', benchEvents, true],
  ['bursty', burstyEvents, true],
] as const) {
  const config = behaviour ? behaviourConfig() : benchConfig();
  for (const batchSize of behaviour ? [100, 1000] : [1, 100, 1000]) {
    const instances = batchSize === 1 ? 200 : 2000;
    const table = `bench-${++serial}`;
    await createTable(emu.dynamodb, table);
    const store = new DynamoDbStore(emu.dynamodb, table);
    const all = records(make(instances), await store.createHeartbeatKey(newHeartbeatKey()));
    meter.reset();
    let events = 0;
    let writes = 0;
    let changedInstances = 0;
    const cache = { watermarks: new Map<string, number>() }; // one container for the whole run
    const started = performance.now();
    for (let i = 0; i < all.length; i += batchSize) {
      const batch = all.slice(i, i + batchSize);
      const r = await consumeBatch(batch, {
        config,
        store,
        publisher,
        metrics: noMetrics,
        logger: quietLog,
        clock: () => batch[0]?.arrival ?? 0,
        quarantineRetentionMs: 86_400_000,
        logPayloads: false,
        maxSkewMs: 120_000,
        cache,
      });
      if (r.failedSequenceNumber) throw new Error('bench batch failed');
      events += r.events;
      writes += r.writes;
      // Instances this batch changes, counted from the records themselves (every event is new here).
      const touched = new Set<string>();
      for (const record of batch) {
        const text = Buffer.from(record.data).toString();
        if (text.includes('"correlationId"')) touched.add(JSON.parse(text).correlationId);
      }
      changedInstances += touched.size;
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      shape,
      behaviour,
      batchSize,
      latencyWriteUnitsPerEvent: meter.latencyWrites / events,
      events,
      instancePuts: meter.requests.get('PutItem') ?? 0,
      changedInstances,
      requestsPerEvent: meter.totalRequests / events,
      writeUnitsPerEvent: (meter.tableWrites + meter.indexWrites) / events,
      tableWriteUnitsPerEvent: meter.tableWrites / events,
      indexWriteUnitsPerEvent: meter.indexWrites / events,
      readUnitsPerEvent: meter.reads / events,
      eventsPerSecond: events / seconds,
      requests: Object.fromEntries(meter.requests),
      writes,
    });
  }
}
await emu.stop();
console.log(JSON.stringify(rows));
