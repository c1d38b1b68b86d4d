// `overdue replay` end to end through bin/overdue.js, output to a file, against reading and
// JSON.parse-ing the same input in a process of its own: --json and the human report, alternating,
// best and median of five. Prints one JSON line.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchYaml } from './workload.js';

const events = process.argv[2] as string;
const RUNS = 5;
const dir = mkdtempSync(join(tmpdir(), 'overdue-replay-cli-'));
const config = join(dir, 'bench.yml');
writeFileSync(config, benchYaml());

function timed(args: string[], out: string): number {
  const fd = openSync(out, 'w');
  const started = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, { stdio: ['ignore', fd, 'inherit'] });
  } catch (error) {
    // replay exits 4 only with --fail-on; anything else is a failure of the benchmark.
    if ((error as { status?: number }).status !== 0) throw error;
  } finally {
    closeSync(fd);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const runs = { parse: [] as number[], json: [] as number[], human: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  runs.parse.push(timed(['bench/read-parse.mjs', events], join(dir, 'count.txt')));
  runs.json.push(
    timed(
      ['bin/overdue.js', 'replay', '--config', config, '--events', events, '--drain', '--json'],
      join(dir, 'out.json'),
    ),
  );
  runs.human.push(
    timed(
      ['bin/overdue.js', 'replay', '--config', config, '--events', events, '--drain'],
      join(dir, 'out.txt'),
    ),
  );
}
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] as number;
const pairs = (a: number[], b: number[]) => median(a.map((x, i) => x / (b[i] as number)));
// The stats are near the end of the document: read its tail, not the whole of it.
const out = readFileSync(join(dir, 'out.json'));
const tail = out.subarray(Math.max(0, out.length - 65_536)).toString('utf8');
const stats = JSON.parse(tail.slice(tail.indexOf('\n"stats":') + 9, tail.indexOf(',\n"invalid":'))) as {
  alerts: number;
  events: number;
  instances: number;
};
console.log(
  JSON.stringify({
    inputMiB: statSync(events).size / 1048576,
    jsonMiB: statSync(join(dir, 'out.json')).size / 1048576,
    events: stats.events,
    alerts: stats.alerts,
    instances: stats.instances,
    parseBest: sorted(runs.parse)[0],
    jsonBest: sorted(runs.json)[0],
    humanBest: sorted(runs.human)[0],
    jsonOverParse: pairs(runs.json, runs.parse),
    humanOverJson: pairs(runs.human, runs.json),
  }),
);
