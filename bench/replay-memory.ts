// Replay's memory with a short retention: ended instances shrink to a summary, so what stays is the
// instances in flight, not the file.
import { createReadStream } from 'node:fs';
import { readLines } from '../src/replay/lines.js';
import { Replayer } from '../src/replay/replayer.js';
import { benchConfig } from './workload.js';

const replayer = new Replayer(benchConfig(process.argv[3] ?? '1m'));
const gc = (globalThis as { gc?: () => void }).gc;
let peakHeap = 0;
let n = 0;
for await (const line of readLines(createReadStream(process.argv[2] as string, { highWaterMark: 1 << 20 }))) {
  replayer.push(line);
  if (++n % 100_000 === 0) {
    gc?.(); // live memory, not garbage waiting to be collected
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
}
const { stats } = replayer.finish();
process.stdout.write(
  `${JSON.stringify({ events: stats.events, peakHeapMiB: peakHeap / 1048576, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
