// Loads auditbeat-normalizations.yaml (the data: what auditbeat calls each audit event) and indexes it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../../paths.js';
import { checkYaml, parseYamlSource, problemAt, YamlFileError, type YamlProblem } from '../../yaml-errors.js';

const MappingTarget = z.enum(['user', 'user.effective', 'user.target', 'user.changes', 'group']);

const Normalization = z.object({
  action: z.string().optional(),
  object_what: z.string().optional(),
  object_primary: z.array(z.string()).optional(),
  object_secondary: z.array(z.string()).optional(),
  subject_primary: z.array(z.string()).optional(),
  subject_secondary: z.array(z.string()).optional(),
  how: z.array(z.string()).optional(),
  syscalls: z.array(z.string()).optional(),
  record_types: z.array(z.string()).optional(),
  ecs: z.object({
    category: z.array(z.string()),
    type: z.array(z.string()),
    mappings: z.array(z.object({ from: z.enum(['subject.primary', 'subject.secondary', 'object.primary']), to: MappingTarget })).optional(),
  }),
});
export type Normalization = z.infer<typeof Normalization>;

const DroppedRange = z.object({
  below: z.number().optional(),
  above: z.number().optional(),
  from: z.number().optional(),
  to: z.number().optional(),
  except: z.array(z.number()).optional(),
  reason: z.string(),
});

const Table = z.object({
  source: z.array(z.string()),
  dropped_record_types: z.array(DroppedRange),
  normalizations: z.array(Normalization),
  event_families: z.record(z.string(), z.array(z.string())),
  user_fields: z.record(z.string(), z.string().regex(/(^|\.)id$/)),
});

export interface AuditbeatTable {
  bySyscall: Map<string, Normalization>;
  byRecordType: Map<string, Normalization>;
  /** Why auditbeat never sees a record of this type number, or undefined when it does. */
  droppedReason(typeNum: number): string | undefined;
  familyOf(typeName: string): string;
  /** The user.* field (ending in `id`) of a uid/gid field. */
  userField(idField: string): string;
}

export const NORMALIZATIONS_FILE = path.join(repoRoot, 'harness/tools/elastic/auditbeat-normalizations.yaml');

let table: AuditbeatTable | undefined;

/** The table of auditbeat-normalizations.yaml, read once. */
export function auditbeatTable(): AuditbeatTable {
  table ??= parseAuditbeatTable(readFileSync(NORMALIZATIONS_FILE, 'utf8'), NORMALIZATIONS_FILE);
  return table;
}

/**
 * Parses and indexes the normalizations' text (YAML with `<<` merge keys); a syntax or schema error, or a syscall or
 * record type normalized twice, is a YamlFileError with one `file:line:col: …` line per problem.
 */
export function parseAuditbeatTable(text: string, file: string): AuditbeatTable {
  const source = parseYamlSource(text, file, { merge: true });
  const data = checkYaml(source, file, Table);
  const bySyscall = new Map<string, Normalization>();
  const byRecordType = new Map<string, Normalization>();
  const twice: YamlProblem[] = [];
  for (const [i, n] of data.normalizations.entries()) {
    for (const [j, s] of (n.syscalls ?? []).entries()) {
      if (bySyscall.has(s)) twice.push(problemAt(source, ['normalizations', i, 'syscalls', j], `normalizations.${i}.syscalls.${j}: syscall ${s} is normalized twice`));
      else bySyscall.set(s, n);
    }
    for (const [j, t] of (n.record_types ?? []).entries()) {
      if (byRecordType.has(t)) twice.push(problemAt(source, ['normalizations', i, 'record_types', j], `normalizations.${i}.record_types.${j}: record type ${t} is normalized twice`));
      else byRecordType.set(t, n);
    }
  }
  if (twice.length) throw new YamlFileError(file, twice);
  const families = new Map<string, string>();
  for (const [family, types] of Object.entries(data.event_families)) for (const t of types) families.set(t, family);
  const droppedReason = (n: number): string | undefined => {
    for (const r of data.dropped_record_types) {
      if (r.except?.includes(n)) continue;
      if ((r.below !== undefined && n < r.below) || (r.above !== undefined && n > r.above)) return r.reason;
      if (r.from !== undefined && r.to !== undefined && n >= r.from && n <= r.to) return r.reason;
    }
    return undefined;
  };
  const userField = (f: string): string => data.user_fields[f] ?? `${f}.id`;
  return { bySyscall, byRecordType, droppedReason, familyOf: (t) => families.get(t) ?? 'unknown', userField };
}
