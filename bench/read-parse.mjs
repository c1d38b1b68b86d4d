// The baseline replay is measured against: read the NDJSON file and JSON.parse every line, nothing else.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const decoder = new StringDecoder('utf8');
let rest = '';
let n = 0;
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 20 })) {
  const text = rest + decoder.write(chunk);
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    if (nl > start && JSON.parse(text.slice(start, nl)) !== null) n++;
    start = nl + 1;
  }
  rest = text.slice(start);
}
if (rest.trim() !== '' && JSON.parse(rest) !== null) n++;
process.stdout.write(`${n}\n`);
