// Buffered byte-exact output: strings hold one char per byte (latin1) and are written in large chunks.
import { writeSync } from 'node:fs';

const BLOCK = 4096;

export class Output {
  /** Pending text, built by concatenation (a rope: cheaper than an array of pieces and a join). */
  private pending = '';
  /** Reused for the bytes of each flush. */
  private buf = Buffer.allocUnsafe(0);
  /** Bytes written since the last flush() a caller asked for (stdio's buffer starts empty there). */
  private sinceFlush = 0;

  constructor(private readonly fd: number, private readonly limit = 1 << 16) {}

  write(s: string): void {
    this.pending += s;
    // as stdio does, only whole 4 KiB blocks (crash() needs to know what a dying ausearch had written)
    if (this.pending.length >= this.limit) this.write1(this.limit > 0);
  }

  flush(): void {
    this.write1(false);
    this.sinceFlush = 0;
  }

  /** What stdio had written of a fully buffered stream when the process died: its whole blocks, not the last one. */
  crash(): void {
    const total = this.sinceFlush + this.pending.length;
    const keep = total === 0 ? 0 : Math.floor((total - 1) / BLOCK) * BLOCK - this.sinceFlush;
    this.pending = this.pending.slice(0, Math.max(0, keep));
    this.write1(false);
    this.pending = '';
  }

  /** Writes what is pending, or its whole blocks (the rest stays pending). */
  private write1(blocks: boolean): void {
    const text = this.pending;
    if (text.length === 0) return;
    if (this.buf.length < text.length) this.buf = Buffer.allocUnsafe(Math.max(text.length, 1 << 17));
    const all = this.buf.write(text, 0, 'latin1');
    const n = blocks ? all - (all % BLOCK) : all;
    this.pending = n === all ? '' : text.slice(n);
    let off = 0;
    while (off < n) {
      try {
        off += writeSync(this.fd, this.buf, off, n - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
    }
    this.sinceFlush += n;
  }
}
