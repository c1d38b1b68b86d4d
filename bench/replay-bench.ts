// Replay wall time beside reading and JSON.parse-ing the same file, in the same process.
import { createReadStream } from 'node:fs';
import { readLines } from '../src/replay/lines.js';
import { Replayer } from '../src/replay/replayer.js';
import { benchConfig } from './workload.js';

const file = process.argv[2] as string;
const mode = process.argv[3] as 'parse' | 'replay';
const config = benchConfig();

async function parseOnly(): Promise<number> {
  let n = 0;
  for await (const line of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    if (line !== '') n += (JSON.parse(line) as object) ? 1 : 0;
  }
  return n;
}

async function replay(): Promise<number> {
  const replayer = new Replayer(config);
  for await (const line of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) replayer.push(line);
  return replayer.finish().stats.events;
}

const started = process.hrtime.bigint();
const count = mode === 'parse' ? await parseOnly() : await replay();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(
  `${JSON.stringify({ mode, lines: count, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
