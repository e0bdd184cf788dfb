// Shared shapes of parsed audit logs. One line is parsed in line.ts (fields in fields.ts), records are
// grouped into events in events.ts, files are streamed by stream.ts; interpretation (ausearch -i) is in interpret/.

export interface AuditField {
  name: string;
  /** The value exactly as logged (quotes kept, hex kept). */
  value: string;
  /** ENRICHED logs: the interpreted value after the 0x1d separator, when the kernel-side value has one. */
  enriched?: string;
}

export interface AuditRecord {
  /** Record type name as ausearch prints it: SYSCALL, KERN_MODULE, or UNKNOWN[1334]. */
  type: string;
  /** Numeric type when known (1300 for SYSCALL). */
  typeNum?: number;
  node?: string;
  /** `msg=audit(SEC.MSEC:SERIAL)` */
  sec: number;
  msec: number;
  serial: number;
  fields: AuditField[];
  /** The whole line as read (without the trailing newline). */
  raw: string;
  /** Where it came from, for error messages. */
  file?: string;
  line: number;
}

export interface AuditEvent {
  sec: number;
  msec: number;
  serial: number;
  node?: string;
  /** In the order they were logged. */
  records: AuditRecord[];
}

/** A line the parser could not use: counted and reported, never thrown. */
export interface ParseProblem {
  file?: string;
  line: number;
  reason: string;
  /** The start of the offending text. */
  excerpt: string;
}
