// The SCAP Security Guide content as Debian ships it (ssg-debian / ssg-nondebian 0.1.65 in bookworm): which
// datastream a target is checked against, which kernel-module rules it holds, and a tailoring that selects them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SSG_CONTENT_DIR = '/usr/share/xml/scap/ssg/content';
export const RULE_PREFIX = 'xccdf_org.ssgproject.content_rule_';
/** The rule of the SSG seed (001) and its per-syscall siblings share this stem. */
export const MODULE_RULE_STEM = 'audit_rules_kernel_module_loading';
export const TAILORED_PROFILE = 'xccdf_audit-harness_profile_kernel_module_rules';

export interface Datastream {
  /** e.g. debian11, rhel8. */
  product: string;
  file: string;
}

/** Debian ships no Debian 12 datastream in 0.1.65: bookworm guests are checked against the Debian 11 one. */
export function datastreamFor(product: string): Datastream {
  return { product, file: join(SSG_CONTENT_DIR, `ssg-${product}-ds.xml`) };
}

/** The datastream a target's release is checked against (its own where the content has one). */
export function nativeProduct(distroId: string): string {
  return /^debian1[0-1]$/.test(distroId) ? distroId : distroId.startsWith('debian') ? 'debian11' : distroId;
}

/** Ids of every rule whose id starts with the kernel-module stem, as the datastream lists them (sorted). */
export async function moduleRules(ds: Datastream): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(ds.file, 'utf8');
  } catch {
    throw new Error(`${ds.file}: SCAP content not installed (apt-get install ssg-debian ssg-nondebian; scripts/setup.sh does)`);
  }
  const ids = new Set<string>();
  for (const m of text.matchAll(/<(?:[\w.-]+:)?Rule\b[^>]*\bid="(xccdf_org\.ssgproject\.content_rule_audit_rules_kernel_module_loading[a-z_]*)"/g)) ids.add(m[1]!);
  return [...ids].sort();
}

/** Short name of a rule id (without the xccdf prefix). */
export const shortRule = (id: string) => (id.startsWith(RULE_PREFIX) ? id.slice(RULE_PREFIX.length) : id);

/**
 * An XCCDF 1.2 tailoring with one profile selecting exactly `rules`: no profile of the Debian 11 content selects
 * them, and the RHEL profiles each select a different subset.
 */
export function tailoringXml(rules: readonly string[]): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_audit-harness_tailoring_kernel_module_rules">',
    '  <xccdf:version time="2026-01-01T00:00:00">1</xccdf:version>',
    `  <xccdf:Profile id="${TAILORED_PROFILE}">`,
    '    <xccdf:title>audit-harness: the kernel module loading rules</xccdf:title>',
    ...rules.map((r) => `    <xccdf:select idref="${esc(r)}" selected="true"/>`),
    '  </xccdf:Profile>',
    '</xccdf:Tailoring>',
    '',
  ].join('\n');
}
