import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/replay/lines.js';

async function collect(chunks: (string | Buffer)[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: string[] = [];
  for await (const line of readLines(source())) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('splits across chunk boundaries, handles CRLF and a last line without newline', async () => {
    expect(await collect(['a\nb', 'c\r\n', '\nd'])).toEqual(['a', 'bc', '', 'd']);
  });

  it('keeps a multi-byte character split between two chunks intact', async () => {
    const bytes = Buffer.from('{"source":"café"}\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    expect(await collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['{"source":"café"}']);
  });

  it('reports bytes read for the progress bar', async () => {
    let total = 0;
    async function* source() {
      yield Buffer.from('ab\n');
      yield Buffer.from('cd\n');
    }
    for await (const _ of readLines(source(), (n) => {
      total += n;
    }));
    expect(total).toBe(6);
  });
});
