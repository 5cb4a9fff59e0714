// Watches the guest console on its way to the terminal: the last lines (for crash reports), a
// kernel panic, and when the first line from guest userspace appeared.

/** A printk line with PRINTK_TIME ("[    1.234567] ..."), or a console continuation of one. */
const KERNEL_LINE = /^\[\s*\d+\.\d+\]/;
const PANIC = 'Kernel panic - not syncing';

export class ConsoleTap {
  private partial = '';
  private readonly lines: string[] = [];
  private readonly decoder = new TextDecoder();
  panicked = false;
  /** ms since `t0` when a line not from the kernel first appeared. */
  firstUserspaceMs?: number;
  /** ms since `t0` when the first byte came. */
  firstByteMs?: number;
  bytes = 0;

  constructor(
    private readonly t0: number,
    private readonly keep = 20,
    private readonly now: () => number = () => performance.now(),
  ) {}

  feed(chunk: Uint8Array): void {
    this.firstByteMs ??= this.now() - this.t0;
    this.bytes += chunk.length;
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop()!;
    for (const line of parts) this.line(line);
  }

  private line(raw: string): void {
    const line = raw.replace(/\r/g, '');
    if (line.includes(PANIC)) this.panicked = true;
    if (this.firstUserspaceMs === undefined && line.trim() !== '' && !KERNEL_LINE.test(line)) {
      this.firstUserspaceMs = this.now() - this.t0;
    }
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
  }

  /** The last lines seen, the unfinished one included. */
  lastLines(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }
}
