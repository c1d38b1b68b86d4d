/** A one-line progress bar on stderr, redrawn at most every 200 ms; only used on a terminal. */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly clock: () => number = Date.now,
  ) {}

  advance(bytes: number): void {
    this.done += bytes;
    const now = this.clock();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const ratio = Math.min(1, this.done / this.total);
    const width = 30;
    const filled = Math.round(ratio * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.stream.write(
      `\r${bar} ${(ratio * 100).toFixed(0).padStart(3)}%  ${(this.done / 1048576).toFixed(1)} MiB`,
    );
  }

  finish(): void {
    if (this.lastDraw > 0) this.stream.write('\r\x1b[2K');
  }
}
