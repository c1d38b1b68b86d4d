// What trackStep adds to an invocation: the same no-op handler with and without the middleware,
// each invocation's events put on a local stream (kinesalite) before it returns. Prints one JSON line.
import { KinesisClient } from '@aws-sdk/client-kinesis';
import middy from '@middy/core';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createEmitter, trackStep } from '../packages/producer/src/index.js';
import { createStream, startEmulators } from '../src/local/emulators.js';
import { lambdaContext } from '../src/local/lambda-context.js';

const RUNS = Number(process.env.BENCH_PRODUCER_RUNS ?? 500);
const emu = await startEmulators();
await createStream(emu.kinesis, 'telemetry', 2);
const client = new KinesisClient({
  endpoint: emu.kinesisEndpoint,
  region: emu.region,
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  requestHandler: new NodeHttpHandler({ httpAgent: { keepAlive: true } as never }),
});
const emitter = createEmitter({ streamName: 'telemetry', client });
const work = async (event: { id: string }) => event.id;
const plain = middy(work);
const tracked = middy(work).use(
  trackStep<{ id: string }>({ workflow: 'order', step: 'paid', correlationId: (e) => e.id, emitter }),
);

// The middleware's own work (validation, serialization, bookkeeping), with a client that does no I/O.
const noIo = {
  send: async (command: { input: { Records: unknown[] } }) => ({
    FailedRecordCount: 0,
    Records: command.input.Records.map(() => ({ SequenceNumber: '1', ShardId: 's' })),
  }),
} as unknown as KinesisClient;
const cpuOnly = middy(work).use(
  trackStep<{ id: string }>({
    workflow: 'order',
    step: 'paid',
    correlationId: (e) => e.id,
    emitter: createEmitter({ streamName: 'telemetry', client: noIo }),
  }),
);

const context = lambdaContext('bench');
async function time(handler: typeof plain, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await handler({ id: `o-${i}` }, context);
    out.push(performance.now() - start);
  }
  return out.sort((a, b) => a - b);
}
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

await time(tracked, 50); // warm-up: connections, JIT
await time(plain, 50);
await time(cpuOnly, 50);
const without = await time(plain, RUNS);
const withIt = await time(tracked, RUNS);
const cpu = await time(cpuOnly, RUNS);
await emu.stop();
console.log(
  JSON.stringify({
    runs: RUNS,
    withoutP50: pct(without, 50),
    withoutP99: pct(without, 99),
    withP50: pct(withIt, 50),
    withP99: pct(withIt, 99),
    addedP50: pct(withIt, 50) - pct(without, 50),
    addedP99: pct(withIt, 99) - pct(without, 99),
    cpuOnlyAddedP50: pct(cpu, 50) - pct(without, 50),
    cpuOnlyAddedP99: pct(cpu, 99) - pct(without, 99),
  }),
);
