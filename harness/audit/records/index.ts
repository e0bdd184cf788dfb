// Audit log parsing: parseLog for text in memory, readEvents to stream files of any size.
import { LogReader } from './reader.js';
import type { AuditEvent, ParseProblem } from './types.js';

export type { AuditEvent, AuditField, AuditRecord, ParseProblem } from './types.js';
export { readEvents, type EventSource, type ReadEventsOptions } from './stream.js';
export { parseLine, checkFields } from './line.js';
export { decodeValue, splitFields } from './fields.js';
export { EventAssembler } from './events.js';
export { LogReader, type LogReaderOptions } from './reader.js';
export { recordTypeName, recordTypeNumber } from './record-types.js';

/**
 * Parses a whole log held in memory (RAW, ENRICHED or kernel-log lines). Never throws: lines it
 * cannot use are returned as problems with file and line number; good events around them are kept.
 * Text is taken as latin1 (one char per byte) when it came from a Buffer via latin1; a JS string
 * with wider characters is encoded as UTF-8 first.
 */
export function parseLog(text: string, file?: string): { events: AuditEvent[]; problems: ParseProblem[] } {
  const events: AuditEvent[] = [];
  const problems: ParseProblem[] = [];
  const reader = new LogReader((e) => events.push(e), (p) => problems.push(p), { checkFields: true });
  reader.beginFile(file);
  // eslint-disable-next-line no-control-regex
  reader.push(/[^\x00-\xff]/.test(text) ? Buffer.from(text, 'utf8') : Buffer.from(text, 'latin1'));
  reader.finish();
  return { events, problems };
}
