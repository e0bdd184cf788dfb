// audit-harness search: reads one log file (-if FILE), a directory of rotated logs (-if DIR:
// audit.log.N ... audit.log, oldest first) or a pipe on stdin, and prints what ausearch prints.
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { LogReader } from '../records/reader.js';
import type { AuditEvent } from '../records/types.js';
import { searchByteRecord, searchRecord } from './ausearch-line.js';
import { ByteRecord } from './byte-record.js';
import { lineHasNewline, lineHasNoNul } from '../records/lines.js';
import { writeDefault, writeRaw } from './format-raw.js';
import { startInterpretedSearch, writeInterpreted } from './format-interpret.js';
import { normalizedWriter, writeText } from './format-normalized.js';
import { matchEvent, SearchCrash, type LoadedList } from './match.js';
import { KeyFilter } from './key-filter.js';
import { loadSearchConfig, STRERROR } from './config.js';
import { forgetPrintedSyscall } from '../records/interpret/index.js';
import { OptionsError, OptionsExit, parseSearchOptions, type SearchOptions } from './options.js';
import { Output } from './output.js';

export interface SearchIo {
  stdout: number;
  stderr: number;
  stdin: number;
}

/** Log files to read, oldest first, like ausearch's process_logs for a directory. */
function inputFiles(file: string, err: Output): string[] | number {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    err.write(`stat: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}\n`);
    return 1;
  }
  if (!st.isDirectory()) return [file];
  const base = path.join(file, 'audit.log');
  err.write(`NOTE - using logs in ${base}\n`);
  // ausearch counts audit.log, audit.log.1, ... while access(R_OK) grants them, and opens audit.log even when it
  // counted none (then says it cannot).
  const readable = (name: string) => {
    try {
      accessSync(name, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  };
  let n = 0;
  while (readable(n === 0 ? base : `${base}.${n}`)) n++;
  const out: string[] = [];
  for (let i = Math.max(n, 1) - 1; i >= 0; i--) out.push(i === 0 ? base : `${base}.${i}`);
  return out;
}

/** runSearch's status when its stdout or stderr was closed (EPIPE): the CLI then dies of SIGPIPE, as ausearch does. */
export const CLOSED_PIPE = 141;

const isClosedPipe = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/** Can a record of the event give a key holding the one searched for? (Records not read as bytes may.) */
function mayGiveKey(e: AuditEvent): boolean {
  for (const r of e.records) if (!(r instanceof ByteRecord) || r.mayGiveKey) return true;
  return false;
}

/**
 * Runs a search; returns the exit status: 0 found, 1 nothing found, bad options or a log that cannot be opened (as
 * ausearch), 2 what the harness refuses (a log that cannot be read, an event ausearch crashes on, no -if and no
 * pipe), CLOSED_PIPE when stdout or stderr was closed.
 */
export function runSearch(argv: string[], io: SearchIo = { stdout: 1, stderr: 2, stdin: 0 }): number {
  const out = new Output(io.stdout);
  const err = new Output(io.stderr, 0);
  try {
    let status: number;
    try {
      status = search(argv, io, out, err);
    } catch (e) {
      if (!(e instanceof SearchCrash)) throw e;
      // ausearch would crash here: what matched before is printed, then the event is named and the search stops
      const r = e.event.records.find((x) => x.typeNum === 1305) ?? e.event.records[0]!;
      err.write(`audit-harness: ${r.file ?? 'stdin'}:${r.line}: ausearch 3.0.9 dies of SIGSEGV on this event with -f (a CONFIG_CHANGE path= it cannot read leaves it an empty list of names); search stopped here\n`);
      status = 2;
    }
    out.flush();
    return status;
  } catch (e) {
    // A write to a closed stdout or stderr (`| head`): nothing more can be said.
    if (isClosedPipe(e)) return CLOSED_PIPE;
    try {
      out.flush(); // what matched before an unexpected error
    } catch {
      /* the error thrown is the one to report */
    }
    throw e;
  }
}

function search(argv: string[], io: SearchIo, out: Output, err: Output): number {
  // the a0 a SECCOMP record's socketcall is named by must not come from an earlier search in this process
  forgetPrintedSyscall();
  startInterpretedSearch();
  let o: SearchOptions;
  try {
    o = parseSearchOptions(argv);
  } catch (e) {
    if (e instanceof OptionsError) {
      err.write(e.message);
      return 1;
    }
    if (e instanceof OptionsExit) {
      out.write(e.stdout);
      return e.status;
    }
    throw e;
  }
  const config = loadSearchConfig(err);
  let files: string[];
  if (o.inputFile !== undefined) {
    const f = inputFiles(o.inputFile, err);
    if (typeof f === 'number') return f;
    files = f;
  } else if (o.inputLogs) {
    err.write('audit-harness: search never reads this host\'s own logs (--input-logs): give -if FILE\n');
    return 2;
  } else {
    let isPipe = false;
    try {
      // ausearch takes only a FIFO; a socket or a redirected file is just as clearly a log given to us.
      const st = fstatSync(io.stdin);
      isPipe = st.isFIFO() || st.isSocket() || st.isFile();
    } catch {
      /* no stdin */
    }
    if (!isPipe) {
      // ausearch would read the host's own /var/log/audit: the harness never does.
      err.write('audit-harness: search needs -if FILE (or a log piped on stdin)\n');
      return 2;
    }
    files = ['-'];
  }
  // ausearch takes --eoe-timeout over the config's, unless it is 0.
  const eoeTimeout = o.eoeTimeout ? o.eoeTimeout : config.eoeTimeout;
  let found = false;
  let stop = false;
  // The ENRICHED part of auparse's interpretation list, as ausearch's output leaves it between events:
  // -i loads and frees each record's, --format csv|text leave auparse's last one loaded.
  const list: LoadedList = { text: undefined, byMatch: false };
  const csv = o.format === 'csv' ? normalizedWriter(o, out, err, eoeTimeout) : undefined;
  const write = (e: AuditEvent): void => {
    if (o.format === 'raw') writeRaw(e, out);
    else if (o.format === 'interpret') {
      writeInterpreted(e, out, err, list.byMatch);
      list.text = undefined;
    } else if (o.format === 'csv' || o.format === 'text') {
      const last = csv ? csv(e) : writeText(e, out, eoeTimeout);
      if (last) list.text = last.leftLoaded();
    } else writeDefault(e, out);
  };
  const warn = (s: string) => err.write(s);
  const keyFilter = KeyFilter.of(o);
  const onEvent = (e: AuditEvent) => {
    if (stop) return;
    if (keyFilter !== undefined && !mayGiveKey(e)) {
      // what matchEvent leaves for an event it does not match, with these options
      list.byMatch = false;
      return;
    }
    if (matchEvent(e, o, list, warn)) {
      found = true;
      write(e);
      if (o.lineBuffered) out.flush();
      if (o.justOne) stop = true;
    }
    // ausearch frees the list it loaded to match once the event is done
    if (list.byMatch) list.text = undefined;
  };
  const inTime = (sec: number) => (o.startTime === undefined || sec >= o.startTime) && (o.endTime === undefined || sec <= o.endTime);
  const reader = new LogReader(onEvent, () => {}, {
    eoeTimeout,
    parseBytes: (buf, start, end, file, line) => {
      if (stop) return undefined;
      if (!lineHasNoNul()) return null;
      const r = searchByteRecord(buf, start, end, file, line);
      if (r === null) return null;
      if (!inTime(r.sec)) return undefined;
      if (keyFilter !== undefined) r.mayGiveKey = keyFilter.mayGiveKey(buf, start, end, r.typeNum);
      return r;
    },
    parse: (text, file, line) => {
      // After --just-one's match ausearch reads no further lines.
      if (stop) return undefined;
      const nul = lineHasNoNul() ? -1 : text.indexOf('\0');
      const r = searchRecord(nul >= 0 ? text.slice(0, nul) : text, file, line, eoeTimeout, nul < 0 && lineHasNewline());
      if (typeof r !== 'object') {
        if (r) err.write(r);
        return undefined;
      }
      if (!inTime(r.sec)) return undefined;
      return r;
    },
  });
  // Two chunks in turn. Records keep their lines as bytes of the chunk they were read from (ByteRecord): before a
  // chunk's memory is read into again, the records of events not yet gone that still point into it are made strings.
  const chunks = [Buffer.allocUnsafe(1 << 20), Buffer.allocUnsafe(1 << 20)];
  let chunkNo = 0;
  const pinIn = (chunk: Buffer) => reader.forEachHeldRecord((r) => {
    if (r instanceof ByteRecord && r.heldIn(chunk)) r.pin();
  });
  for (const f of files) {
    reader.beginFile(f === '-' ? undefined : f);
    let fd: number;
    try {
      fd = f === '-' ? io.stdin : openSync(f, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      err.write(`Error opening ${f} (${STRERROR[code] ?? (e as Error).message})\n`);
      return 1;
    }
    try {
      for (;;) {
        let n: number;
        const buf = chunks[chunkNo++ & 1]!;
        if (chunkNo > 2) pinIn(buf);
        try {
          n = readSync(fd, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
          if ((e as NodeJS.ErrnoException).code === 'EOF') break;
          // ausearch takes a read error (EISDIR, EIO) for the end of the file and says nothing: an answer that
          // silently lacks a log's events is not one, so the file is named and the search stops.
          out.flush();
          err.write(`audit-harness: ${f === '-' ? 'stdin' : f}: cannot read (${(e as Error).message}); search stopped here (ausearch 3.0.9 would skip the rest of this file silently)\n`);
          return 2;
        }
        if (n === 0) break;
        reader.push(buf.subarray(0, n));
        if (stop) break;
      }
    } finally {
      if (f !== '-') closeSync(fd);
    }
    reader.endFile();
    if (stop) break;
  }
  if (!stop) reader.finish();
  if (!found) {
    if (o.format !== 'raw') err.write('<no matches>\n');
    return 1;
  }
  return 0;
}
