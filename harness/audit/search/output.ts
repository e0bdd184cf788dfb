// Buffered byte-exact output: strings hold one char per byte (latin1) and are written in large chunks.
import { writeSync } from 'node:fs';

export class Output {
  /** Pending text; a writer may push pieces here directly and then call wrote(). */
  readonly parts: string[] = [];
  private size = 0;

  constructor(private readonly fd: number, private readonly limit = 1 << 16) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }

  /** After pushing onto parts directly: flushes once enough is pending (counted by pieces). */
  wrote(): void {
    if (this.parts.length >= 4096) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'latin1');
    this.parts.length = 0;
    this.size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw e;
      }
    }
  }
}
