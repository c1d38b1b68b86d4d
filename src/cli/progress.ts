/**
 * A one-line progress bar on stderr, redrawn at most every 200 ms; only used on a terminal. Without a
 * known total (stdin) it shows how much was read, once that passes `quietBelow` bytes.
 */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;

  constructor(
    private readonly total: number | undefined,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly clock: () => number = Date.now,
    private readonly quietBelow = 0,
  ) {}

  advance(bytes: number): void {
    this.done += bytes;
    const now = this.clock();
    if (now - this.lastDraw < 200 || this.done < this.quietBelow) return;
    this.lastDraw = now;
    const read = `${(this.done / 1048576).toFixed(1)} MiB`;
    if (this.total === undefined) {
      this.stream.write(`\r${read} read`);
      return;
    }
    const ratio = Math.min(1, this.done / this.total);
    const width = 30;
    const filled = Math.round(ratio * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.stream.write(`\r${bar} ${(ratio * 100).toFixed(0).padStart(3)}%  ${read}`);
  }

  finish(): void {
    if (this.lastDraw > 0) this.stream.write('\r\x1b[2K');
  }
}
