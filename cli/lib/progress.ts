/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never in logs or pipes). */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled = Boolean(stream.isTTY),
    private readonly width = 30,
  ) {}

  update(fraction: number, label: string, now = Date.now()): void {
    if (!this.enabled || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * this.width);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${'-'.repeat(this.width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${label}\x1b[K`,
    );
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[K');
  }
}
