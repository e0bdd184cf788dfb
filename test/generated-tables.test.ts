// The tables generated from audit-userspace 3.0.9's C headers are what their generators make, with this host's gcc
// and headers, of Debian's audit_3.0.9.orig.tar.gz (harness/reference/audit-source.ts), byte for byte.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lookupTablesFile, lookupTablesJson } from '../harness/audit/records/interpret/gen-tables.js';
import { repoRoot } from '../harness/paths.js';
import { AUDIT_SOURCE, auditSourceTarball, checkedAuditSource, withAuditSource } from '../harness/reference/audit-source.js';
import { shellQuote } from '../harness/shell.js';
import { ruleNamesFile, ruleNamesJson } from '../scripts/gen-rule-names.js';

/** Fails unless `generated` is the committed `file`, saying where they first differ and how to regenerate it. */
async function sameAsCommitted(t: ExecutionContext, file: string, generated: string, script: string): Promise<void> {
  const committed = readFileSync(file);
  const made = Buffer.from(generated);
  if (made.equals(committed)) {
    t.pass();
    return;
  }
  let at = 0;
  while (at < made.length && made[at] === committed[at]) at++;
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString('latin1'));
  const tarball = shellQuote(await auditSourceTarball());
  t.fail(
    `${path.relative(repoRoot, file)} (${committed.length} bytes) is not what ${script} makes of ${AUDIT_SOURCE.file} ` +
      `(${made.length} bytes): they differ from byte ${at}, committed ${around(committed)}, generated ${around(made)}.\n` +
      `The generator compiles against this host's headers and prints its glibc's strerror text, and the committed file ` +
      `reproduces on Debian 12 (scripts/setup.sh's host: glibc 2.36, Linux 6.1 UAPI headers): if this host is another, ` +
      `that may be the whole difference. Otherwise regenerate it, in the repository: ` +
      `d=$(mktemp -d) && tar -xzf ${tarball} -C "$d" && npx tsx ${script} "$d/${AUDIT_SOURCE.topDir}"; rm -rf "$d"`,
  );
}

test('lookup-tables.json is what gen-tables.ts writes from audit 3.0.9\'s source tarball, byte for byte', async (t) => {
  const generated = await withAuditSource(lookupTablesJson);
  await sameAsCommitted(t, lookupTablesFile, generated, 'harness/audit/records/interpret/gen-tables.ts');
});

test('names.json is what scripts/gen-rule-names.ts writes from audit 3.0.9\'s source tarball, byte for byte', async (t) => {
  const generated = await withAuditSource(ruleNamesJson);
  await sameAsCommitted(t, ruleNamesFile, generated, 'scripts/gen-rule-names.ts');
});

test('a tarball whose sha256 is not the one Debian\'s .dsc lists is refused, naming where it came from', async (t) => {
  const real = readFileSync(await auditSourceTarball());
  t.is(real.length, AUDIT_SOURCE.bytes);
  t.is(checkedAuditSource(real, 'the cached copy'), real);
  const altered = Buffer.from(real);
  altered[altered.length - 1] ^= 1;
  t.throws(() => checkedAuditSource(altered, 'altered.tar.gz'), { message: /^altered\.tar\.gz: sha256 [0-9a-f]{64} \(1210655 bytes\), but Debian's audit_3\.0\.9-1\.dsc says fd957044/ });
});
