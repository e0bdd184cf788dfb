// The SCAP Security Guide content as Debian ships it: bookworm's ssg-debian / ssg-nondebian 0.1.65 (installed on the
// host by scripts/setup.sh: Debian 10/11, RHEL 7/8/9, …) and trixie's ssg-debian 0.1.76, the first with a Debian 12
// datastream (unpacked into the cache from the private trixie apt state). Which datastream a target is checked
// against, which kernel-module rules it holds, and a tailoring that selects them.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { candidateVersions, downloadDebs, extractDebsInto, openAptState } from '../../debian/apt.js';
import { cacheDir } from '../../paths.js';

export const SSG_CONTENT_DIR = '/usr/share/xml/scap/ssg/content';
const CONTENT_SUBDIR = 'usr/share/xml/scap/ssg/content';
const TRIXIE = { suites: ['trixie', 'trixie-updates', 'trixie-security'] };
/** Products whose datastream only trixie's content has. */
const TRIXIE_PRODUCTS = new Set(['debian12']);
export const RULE_PREFIX = 'xccdf_org.ssgproject.content_rule_';
/** The rule of the SSG seed (001) and its per-syscall siblings share this stem. */
export const MODULE_RULE_STEM = 'audit_rules_kernel_module_loading';
export const TAILORED_PROFILE = 'xccdf_audit-harness_profile_kernel_module_rules';

export interface Datastream {
  /** e.g. debian11, rhel8. */
  product: string;
  file: string;
}

/** The datastream of a product: 0.1.65's on the host, Debian 12's from trixie's 0.1.76 (fetched once into the cache). */
export async function datastreamFor(product: string): Promise<Datastream> {
  const dir = TRIXIE_PRODUCTS.has(product) ? join(await trixieContent(), CONTENT_SUBDIR) : SSG_CONTENT_DIR;
  return { product, file: join(dir, `ssg-${product}-ds.xml`) };
}

/**
 * The datastream a target's release is checked against: its own where some content has one (Debian 10, 11, 12),
 * else the newest Debian one (Debian 13: Debian 12's; neither 0.1.65 nor 0.1.76 has a Debian 13 datastream).
 */
export function nativeProduct(distroId: string): string {
  return /^debian1[0-2]$/.test(distroId) ? distroId : distroId.startsWith('debian') ? 'debian12' : distroId;
}

let trixie: Promise<string> | undefined;

/** <cache>/ssg/ssg-debian_<version>/: trixie's ssg-debian unpacked, renamed into place only when complete. */
function trixieContent(): Promise<string> {
  trixie ??= (async () => {
    const state = await openAptState(TRIXIE);
    const { 'ssg-debian': version } = await candidateVersions(['ssg-debian'], 'amd64', state);
    const dir = join(cacheDir(), 'ssg', `ssg-debian_${version!.replace(/[^A-Za-z0-9.+~-]/g, '_')}`);
    if (await stat(join(dir, CONTENT_SUBDIR)).then(() => true, () => false)) return dir;
    await extractDebsInto(dir, await downloadDebs({ 'ssg-debian': version! }, 'amd64', undefined, state));
    return dir;
  })();
  trixie.catch(() => (trixie = undefined));
  return trixie;
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
