// Replay wall time beside reading and JSON.parse-ing the same file, in the same process, alternating
// the two so that both see the same machine; best and median of seven each.
import { createReadStream } from 'node:fs';
import { readLines } from '../src/replay/lines.js';
import { Replayer } from '../src/replay/replayer.js';
import { benchConfig } from './workload.js';

const file = process.argv[2] as string;
const RUNS = 7;
const config = benchConfig();
const gc = (globalThis as { gc?: () => void }).gc;
const lines = () => readLines(createReadStream(file, { highWaterMark: 1 << 20 }));

async function parseOnly(): Promise<number> {
  let n = 0;
  for await (const line of lines()) {
    if (line !== '' && JSON.parse(line) !== null) n++;
  }
  return n;
}

let replayRss = 0;
async function replay(): Promise<number> {
  const replayer = new Replayer(config);
  for await (const line of lines()) replayer.push(line);
  const events = replayer.finish().stats.events;
  replayRss = Math.max(replayRss, process.memoryUsage().rss);
  return events;
}

async function time(task: () => Promise<number>): Promise<{ seconds: number; count: number }> {
  gc?.();
  const started = process.hrtime.bigint();
  const count = await task();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, count };
}

const parse: number[] = [];
const full: number[] = [];
let count = 0;
for (let i = 0; i < RUNS; i++) {
  parse.push((await time(parseOnly)).seconds);
  const r = await time(replay);
  full.push(r.seconds);
  count = r.count;
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const ratios = sorted(full.map((f, i) => f / (parse[i] as number)));
process.stdout.write(
  `${JSON.stringify({
    lines: count,
    parseBest: sorted(parse)[0],
    parseMedian: sorted(parse)[3],
    replayBest: sorted(full)[0],
    replayMedian: sorted(full)[3],
    ratioMedian: ratios[3],
    ratioBest: (sorted(full)[0] as number) / (sorted(parse)[0] as number),
    replayRssMiB: replayRss / 1048576,
  })}\n`,
);
