// Splits a byte stream into lines without copying whole files: Buffers in, latin1 strings out
// (one char per byte, so output written back as latin1 is byte-identical). Like ausearch's
// fgets into an 8970-byte buffer, a line longer than MAX_LINE_BYTES comes out in pieces.

/** ausearch reads with fgets(buf, MAX_AUDIT_MESSAGE_LENGTH = 8970): at most 8969 bytes a piece. */
export const MAX_LINE_BYTES = 8969;

/** Buffer#latin1Slice (undocumented, stable): what toString('latin1', a, b) calls, without its checks. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

export type LineSink = (text: string, line: number, piece: number) => void;

/**
 * Takes a whole line (newline excluded) as bytes `buf[start, end)`, with the flags below set as for a LineSink;
 * returns false to have it cut into a string and given to the LineSink instead. `buf` is the caller's chunk (or
 * a copy of a line cut by a chunk's end), never reused by the splitter.
 */
export type LineByteSink = (buf: Buffer, start: number, end: number, line: number) => boolean;

// What one memchr over a whole chunk tells about the line being handed to a sink (false: unknown),
// so that per-line code can skip its own scans for bytes that almost never occur.
let noNul = false;
let newline = false;
/** The line's first 0x1d as an index into it (-1: none; -2: unknown). */
let separatorAt = -2;

/**
 * Inside a LineSink call: did the line end with a newline (fgets keeps it in the buffer, so ausearch's
 * first-words checks count it)? False for a piece of an over-long line and for a last line without one.
 */
export function lineHasNewline(): boolean {
  return newline;
}

/** Inside a LineSink call: is the line known to hold no NUL byte? */
export function lineHasNoNul(): boolean {
  return noNul;
}

/**
 * Inside a LineSink call: the index of the line's first 0x1d (the ENRICHED separator), -1 when it has none,
 * -2 when unknown (a piece of an over-long line, a last line without a newline).
 */
export function lineSeparatorAt(): number {
  return separatorAt;
}

export class LineSplitter {
  private carry: Buffer | undefined;
  private lineNo = 0;
  /** Index of the piece within an over-long line (0 for the first). */
  private piece = 0;

  constructor(private readonly sink: LineSink, private readonly byteSink?: LineByteSink) {}

  push(chunk: Buffer): void {
    let from = 0;
    if (this.carry) {
      // Only the cut line is copied: the carried bytes and the chunk up to its first newline.
      const nl = chunk.indexOf(0x0a);
      const head = nl < 0 ? chunk : chunk.subarray(0, nl + 1);
      const joined = Buffer.concat([this.carry, head]);
      this.carry = undefined;
      this.scan(joined, 0);
      if (nl < 0) return;
      from = nl + 1;
    }
    this.scan(chunk, from);
  }

  private scan(buf: Buffer, from: number): void {
    let start = from;
    const n = buf.length;
    // First 0x1d and NUL at or after `start` (n: none).
    let gs = -1;
    let nul = -1;
    while (start < n) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) {
        if (n - start >= MAX_LINE_BYTES) {
          this.emitPiece(buf, start, start + MAX_LINE_BYTES);
          start += MAX_LINE_BYTES;
          continue;
        }
        this.carry = Buffer.from(buf.subarray(start));
        return;
      }
      if (nl - start > MAX_LINE_BYTES) {
        this.emitPiece(buf, start, start + MAX_LINE_BYTES);
        start += MAX_LINE_BYTES;
        continue;
      }
      if (this.piece === 0) this.lineNo++;
      if (gs < start) gs = after(buf, 0x1d, start);
      if (nul < start) nul = after(buf, 0, start);
      separatorAt = gs > nl ? -1 : gs - start;
      noNul = nul > nl;
      newline = true;
      try {
        if (this.byteSink === undefined || this.piece !== 0 || !this.byteSink(buf, start, nl, this.lineNo)) {
          this.sink((buf as Latin1Buffer).latin1Slice(start, nl), this.lineNo, this.piece);
        }
      } finally {
        noNul = newline = false;
        separatorAt = -2;
      }
      this.piece = 0;
      start = nl + 1;
    }
  }

  private emitPiece(buf: Buffer, start: number, end: number): void {
    if (this.piece === 0) this.lineNo++;
    this.sink((buf as Latin1Buffer).latin1Slice(start, end), this.lineNo, this.piece);
    this.piece++;
  }

  /** Flushes a last line that has no newline. */
  end(): void {
    if (this.carry && this.carry.length > 0) {
      if (this.piece === 0) this.lineNo++;
      this.sink(this.carry.toString('latin1'), this.lineNo, this.piece);
    }
    this.carry = undefined;
    this.piece = 0;
  }

  /** Lines started so far. */
  get lines(): number {
    return this.lineNo;
  }
}

/** Index of the first `byte` at or after `from` in `buf`, or its length when there is none. */
function after(buf: Buffer, byte: number, from: number): number {
  const i = buf.indexOf(byte, from);
  return i < 0 ? buf.length : i;
}
