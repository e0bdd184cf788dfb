// Buffered byte-exact output: strings hold one char per byte (latin1) and are written in large chunks.
import { writeSync } from 'node:fs';

export class Output {
  /** Pending text, built by concatenation (a rope: cheaper than an array of pieces and a join). */
  private pending = '';
  /** Reused for the bytes of each flush. */
  private buf = Buffer.allocUnsafe(0);

  constructor(private readonly fd: number, private readonly limit = 1 << 16) {}

  write(s: string): void {
    this.pending += s;
    if (this.pending.length >= this.limit) this.flush();
  }

  flush(): void {
    const text = this.pending;
    if (text.length === 0) return;
    this.pending = '';
    if (this.buf.length < text.length) this.buf = Buffer.allocUnsafe(Math.max(text.length, 1 << 17));
    const n = this.buf.write(text, 0, 'latin1');
    let off = 0;
    while (off < n) {
      try {
        off += writeSync(this.fd, this.buf, off, n - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
    }
  }
}
