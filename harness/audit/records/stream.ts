// Streaming reads: an async iterator of events from a file path or a readable stream, with
// memory bounded by the open events, never by the log size.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { LogReader, type LogReaderOptions } from './reader.js';
import type { AuditEvent, ParseProblem } from './types.js';

export interface ReadEventsOptions extends LogReaderOptions {
  /** Receives every problem as it is found (they are never thrown). */
  onProblem?: (p: ParseProblem) => void;
  /** Name used in problems when the source is a stream. */
  file?: string;
}

export type EventSource = string | Readable | AsyncIterable<Buffer | string>;

/** Reads events from one or more sources in turn (an event may continue from one file into the next). */
export async function* readEvents(source: EventSource | EventSource[], opts: ReadEventsOptions = {}): AsyncGenerator<AuditEvent> {
  const sources = Array.isArray(source) ? source : [source];
  let ready: AuditEvent[] = [];
  const reader = new LogReader((e) => ready.push(e), opts.onProblem ?? (() => {}), { checkFields: true, ...opts });
  for (const src of sources) {
    const name = typeof src === 'string' ? src : opts.file;
    reader.beginFile(name);
    const input: AsyncIterable<Buffer | string> = typeof src === 'string' ? createReadStream(src, { highWaterMark: 1 << 20 }) : src;
    for await (const chunk of input) {
      reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
      if (ready.length) {
        const out = ready;
        ready = [];
        yield* out;
      }
    }
    reader.endFile();
  }
  reader.finish();
  yield* ready;
}
