// A record of the search whose line stays as bytes in its chunk until something reads its text: a line kept
// only while its event is open (most of a log, -k matching few events) is not a string the young generation's
// collector copies at every scavenge (on a busy host's log some 4000 events are open at once).
import { SplitRecord } from '../records/line.js';
import type { AuditRecord } from '../records/types.js';

/** Buffer#latin1Slice (undocumented, stable): what toString('latin1', a, b) calls, without its checks. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

export class ByteRecord extends SplitRecord implements AuditRecord {
  /** The line as a string, once made. */
  private text: string | undefined = undefined;
  /** The bytes `src[srcStart, srcEnd)` the text is made from (undefined once it is). */
  private src: Buffer | undefined;
  /** Can the line give a key holding the one searched for (KeyFilter)? True when unknown. */
  mayGiveKey = true;

  /** `src` must not be written to while the record holds its bytes (see heldIn and pin). */
  constructor(
    readonly type: string, readonly typeNum: number, readonly sec: number, readonly msec: number, readonly serial: number,
    src: Buffer, private readonly srcStart: number, private readonly srcEnd: number, readonly file: string | undefined,
    readonly line: number, bodyStart: number, sepAt: number,
  ) {
    super(bodyStart, sepAt);
    this.src = src;
  }

  /** The whole line as read (without the trailing newline). */
  get raw(): string {
    return this.text ?? this.pin();
  }

  set raw(value: string) {
    this.text = value;
    this.src = undefined;
  }

  /** Makes the line's string now and lets go of the chunk; returns it. */
  pin(): string {
    if (this.text === undefined) {
      this.text = (this.src as Latin1Buffer).latin1Slice(this.srcStart, this.srcEnd);
      this.src = undefined;
    }
    return this.text;
  }

  /** Is the text still only bytes of `chunk`'s memory? */
  heldIn(chunk: Buffer): boolean {
    return this.src !== undefined && this.src.buffer === chunk.buffer;
  }

  toJSON(): object {
    return { type: this.type, typeNum: this.typeNum, sec: this.sec, msec: this.msec, serial: this.serial, fields: this.fields, raw: this.raw, file: this.file, line: this.line };
  }
}
