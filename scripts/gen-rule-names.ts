// Regenerates harness/audit/rules/names.json, the errno and message-type names auditctl accepts in -F exit=-EPERM
// and -F msgtype=CWD, from libaudit's own tables (lib/errtab.h, lib/msg_typetab.h) with the numbers of the C
// headers, the way its build does (gen-tables.ts's headerTables). msg_typetab.h's WITH_APPARMOR entries are left
// out, as in the committed table.
// Usage: npx tsx scripts/gen-rule-names.ts DIR
// DIR is audit-userspace 3.0.9's source, Debian's audit_3.0.9.orig.tar.gz unpacked, as for gen-tables.ts
// (harness/reference/audit-source.ts fetches it; test/generated-tables.test.ts checks names.json against it);
// needs gcc and the Linux UAPI headers.
import path from 'node:path';
import { generatorMain, headerTables } from '../harness/audit/records/interpret/gen-tables.js';
import { repoRoot } from '../harness/paths.js';

export const GENERATED_BY =
  'scripts/gen-rule-names.ts (npx tsx scripts/gen-rule-names.ts DIR, DIR a checkout of audit-userspace v3.0.9) ' +
  'from its errtab.h and msg_typetab.h, numbers from the C headers (Linux x86)';

const HEADERS = { errno: 'lib/errtab.h', msgtype: 'lib/msg_typetab.h' };

export const ruleNamesFile = path.join(repoRoot, 'harness/audit/rules/names.json');

/** The text of names.json from the source tree `src` (no newline at its end, as the committed file has none). */
export function ruleNamesJson(src: string): string {
  const prelude = `#include <stdio.h>\n#include <errno.h>\n#include "${path.join(src, 'lib/libaudit.h')}"\n`;
  const tables = headerTables(src, HEADERS, prelude);
  const object = (name: keyof typeof HEADERS) => Object.fromEntries(tables.get(name)!.map(([value, key]) => [key, Number(value)]));
  return JSON.stringify({ generatedBy: GENERATED_BY, errno: object('errno'), msgtype: object('msgtype') }, null, 1);
}

generatorMain(import.meta.url, ruleNamesFile, ruleNamesJson);
