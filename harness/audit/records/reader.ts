// Bytes in, events and problems out: LineSplitter -> parseLine -> EventAssembler, synchronously
// per chunk. parseLog and readEvents are thin wrappers; the search command drives it directly.
import { EventAssembler } from './events.js';
import { checkFields, parseLine } from './line.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';
import type { AuditEvent, AuditRecord, ParseProblem } from './types.js';

export interface LogReaderOptions {
  /** Seconds after which an event with no more records is complete (auditd.conf end_of_event_timeout). */
  eoeTimeout?: number;
  /** Check hex-encoded fields of every record (costs a full field split per record). */
  checkFields?: boolean;
  /** Keep a record? (ausearch drops records outside -ts/-te before grouping.) */
  acceptRecord?: (r: AuditRecord) => boolean;
  /** Called for every line that is not a record (the search command mirrors ausearch's messages). */
  onBadLine?: (text: string, line: number, file: string | undefined) => void;
  /**
   * Replaces the strict line parser (the search command uses ausearch's own, more lenient rules).
   * Returns undefined to drop the line silently.
   */
  parse?: (text: string, file: string | undefined, line: number) => AuditRecord | undefined;
  /**
   * With `parse`: a whole line as bytes (LineByteSink), its record, or null to have the line cut into a string
   * and given to `parse`; undefined drops it.
   */
  parseBytes?: (buf: Buffer, start: number, end: number, file: string | undefined, line: number) => AuditRecord | undefined | null;
}

export class LogReader {
  private splitter: LineSplitter;
  private readonly assembler: EventAssembler;
  private file: string | undefined;
  private readonly ready = (e: AuditEvent) => this.emit(e);
  problemCount = 0;

  constructor(
    private readonly onEvent: (e: AuditEvent) => void,
    private readonly onProblem: (p: ParseProblem) => void,
    private readonly opts: LogReaderOptions = {},
  ) {
    this.assembler = new EventAssembler(opts.eoeTimeout ?? 2);
    this.splitter = this.newSplitter();
  }

  private newSplitter(): LineSplitter {
    const parseBytes = this.opts.parse ? this.opts.parseBytes : undefined;
    return new LineSplitter((t, l, p) => this.line(t, l, p), parseBytes && ((buf, start, end, line) => {
      const r = parseBytes(buf, start, end, this.file, line);
      if (r === null) return false;
      if (r) this.assembler.add(r, this.ready);
      return true;
    }));
  }

  /** Starts a new file; open events carry over (an event may continue in the next file). */
  beginFile(file: string | undefined): void {
    this.splitter.end();
    this.file = file;
    // Line numbers restart with each file.
    this.splitter = this.newSplitter();
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
  }

  /** End of one file. */
  endFile(): void {
    this.splitter.end();
  }

  /** End of all input: open events are complete; reports events whose records span files. */
  finish(): void {
    this.splitter.end();
    this.assembler.finish((e) => this.emit(e));
  }

  /** Calls `fn` on every record of the events not yet handed to onEvent. */
  forEachHeldRecord(fn: (r: AuditRecord) => void): void {
    this.assembler.forEachHeldRecord(fn);
  }

  private problem(p: ParseProblem): void {
    this.problemCount++;
    this.onProblem(p);
  }

  private emit(e: AuditEvent): void {
    if (e.records.length > 1 && spansFiles(e.records)) {
      const files = new Set(e.records.map((r) => r.file));
      const first = e.records[0]!;
      const p: ParseProblem = {
        line: first.line,
        reason: `event ${first.sec}.${String(first.msec).padStart(3, '0')}:${first.serial} is split across files (${[...files].join(', ')})`,
        excerpt: first.raw.slice(0, 80),
      };
      if (first.file !== undefined) p.file = first.file;
      this.problem(p);
    }
    this.onEvent(e);
  }

  private line(text: string, line: number, piece: number): void {
    if (this.opts.parse) {
      const r = this.opts.parse(text, this.file, line);
      if (r) this.assembler.add(r, this.ready);
      return;
    }
    if (piece > 0) {
      if (piece === 1) {
        const p: ParseProblem = { line, reason: `line longer than ${MAX_LINE_BYTES} bytes: ausearch reads the rest as separate lines`, excerpt: text.slice(0, 80) };
        if (this.file !== undefined) p.file = this.file;
        this.problem(p);
      }
      this.opts.onBadLine?.(text, line, this.file);
      return;
    }
    const res = parseLine(text, this.file, line);
    for (const p of res.problems) this.problem(p);
    if (!res.record) {
      if (text.length > 0) this.opts.onBadLine?.(text, line, this.file);
      return;
    }
    if (this.opts.checkFields) for (const p of checkFields(res.record)) this.problem(p);
    if (this.opts.acceptRecord && !this.opts.acceptRecord(res.record)) return;
    this.assembler.add(res.record, (e) => this.emit(e));
  }
}

/** Do the records come from more than one file? (A loop: this runs for every event.) */
function spansFiles(records: AuditRecord[]): boolean {
  const f0 = records[0]!.file;
  for (let i = 1; i < records.length; i++) if (records[i]!.file !== f0) return true;
  return false;
}
