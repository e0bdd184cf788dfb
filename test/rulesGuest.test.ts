// The rule parser and renderer against the real auditctl 3.0.9 on both real kernels, live: one boot per image,
// every rules file of the project loaded with `auditctl -R` (what augenrules and a boot do) and compared with
// our prediction (stop line, auditctl -l listing); every probe line loaded alone (rc, message, listing); the
// augenrules fixture directory merged and loaded by the guest's own augenrules.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { augenrulesMerge, auditctlLoad, parseRulesText, renderListing, type KernelArch } from '../harness/audit/rules/index.js';
import { openTarget, type Target } from '../harness/targets/index.js';

const TARGETS: Array<[string, KernelArch]> = [['qemu:debian12-amd64', 'x86_64'], ['qemu:debian12-i686', 'i686']];
const RULE_FILES = [
  ...readdirSync(path.join(repoRoot, 'scenarios/rulesets')).filter((f) => f.endsWith('.rules')).map((f) => path.join('scenarios/rulesets', f)),
  ...readdirSync(path.join(repoRoot, 'test/fixtures/rules')).filter((f) => f.endsWith('.rules')).map((f) => path.join('test/fixtures/rules', f)),
].sort();
const PROBE = readFileSync(path.join(repoRoot, 'test/fixtures/rules/guest/probe.rules'), 'utf8').split('\n').filter((l) => l !== '');
const AUGEN_DIR = path.join(repoRoot, 'test/fixtures/rules/augenrules/rules.d');

// Booted once for the whole file; closed when the last test is done.
const targets = new Map(TARGETS.map(([spec]) => [spec, openTarget(spec)] as const));
for (const p of targets.values()) p.catch(() => undefined);
test.after.always(async () => {
  for (const p of targets.values()) await p.then((t) => t.close(), () => undefined);
});

// Tests of one guest run one at a time (each empties its rule list); the two guests run in parallel.
const queues = new Map<string, Promise<unknown>>();
function onGuest<T>(spec: string, fn: (target: Target) => Promise<T>): Promise<T> {
  const next = (queues.get(spec) ?? Promise.resolve()).then(() => targets.get(spec)!).then(fn);
  queues.set(spec, next.catch(() => undefined));
  return next;
}

// The kernel's answer depends on the guest's files (a watched directory missing): not modelled.
const FILESYSTEM_DEPENDENT = /No such file or directory/;
const SEP = '@@audit-harness@@';

async function exec(target: Target, script: string, stdin?: string): Promise<string> {
  const r = await target.exec(script, { timeoutMs: 60_000, ...(stdin !== undefined ? { stdin } : {}) });
  if (r.code !== 0) throw new Error(`${target.info.name}: ${script.slice(0, 60)}… exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

for (const [spec, arch] of TARGETS) {
  test(`${spec}: every rules file loads with auditctl -R as predicted, and auditctl -l lists it as we render it`, (t) => onGuest(spec, async (target) => {
    // One exec for all files: each is loaded on an empty rule list, its rc and listing follow a separator.
    const files = RULE_FILES.map((f) => ({ name: f, text: readFileSync(path.join(repoRoot, f), 'utf8') }));
    for (const [i, f] of files.entries()) await target.putFile(`/tmp/r${i}.rules`, f.text, 0o640);
    const script = files.map((_, i) => `auditctl -D >/dev/null; `
      + `auditctl -R /tmp/r${i}.rules >/tmp/r${i}.err 2>&1; echo "${SEP} ${i} rc=$?"; auditctl -l; echo "${SEP} ${i} err"; cat /tmp/r${i}.err`).join('\n');
    const out = await exec(target, `${script}\nauditctl -D >/dev/null`);
    const parts = out.split(new RegExp(`^${SEP} `, 'm')).slice(1);
    t.is(parts.length, files.length * 2);
    let compared = 0;
    files.forEach((f, i) => {
      const [head, ...listing] = parts[2 * i]!.split('\n');
      const rc = Number(/rc=(\d+)/.exec(head!)?.[1]);
      const stderr = parts[2 * i + 1]!.split('\n').slice(1).join('\n');
      if (FILESYSTEM_DEPENDENT.test(stderr)) return;
      compared++;
      const ours = auditctlLoad(f.text, f.name, arch);
      const stopped = ours.errors.some((e) => e.severity === 'error');
      t.is(rc !== 0, stopped, `${f.name}: real auditctl -R exit ${rc} (${stderr.trim()}), we predict ${stopped ? 'a failure' : 'success'}`);
      t.is(listing.join('\n'), renderListing(ours.rules), `${f.name}: auditctl -l`);
    });
    t.true(compared >= RULE_FILES.length - 2, `${compared} of ${RULE_FILES.length} files compared`);
  }));

  test(`${spec}: every probe line alone fails or loads as the real auditctl says, with its message`, (t) => onGuest(spec, async (target) => {
    const script = `set -f; n=0; while IFS= read -r line; do n=$((n+1)); auditctl -D >/dev/null; out=$(auditctl $line 2>&1); rc=$?; `
      + `echo "${SEP} $n rc=$rc"; echo "$out"; echo "${SEP} $n list"; auditctl -l; done; auditctl -D >/dev/null`;
    const out = await exec(target, script, `${PROBE.join('\n')}\n`);
    const parts = out.split(new RegExp(`^${SEP} `, 'm')).slice(1);
    t.is(parts.length, PROBE.length * 2);
    let compared = 0;
    PROBE.forEach((line, i) => {
      const rc = Number(/rc=(\d+)/.exec(parts[2 * i]!)?.[1]);
      const messages = parts[2 * i]!.split('\n').slice(1).filter((m) => m !== '');
      const listing = parts[2 * i + 1]!.split('\n').slice(1).join('\n');
      if (messages.some((m) => FILESYSTEM_DEPENDENT.test(m))) return;
      compared++;
      const ours = parseRulesText(line, 'probe.rules', { kernelArch: arch });
      const errors = ours.errors.filter((e) => e.severity === 'error');
      if (rc !== 0) {
        t.true(errors.length > 0, `line ${i + 1} (${line}): real auditctl failed with "${messages.join(' / ')}", we accept it`);
        const last = messages[messages.length - 1]!;
        t.true(errors[0]?.message.startsWith(last), `line ${i + 1}: real "${last}", ours "${errors[0]?.message}"`);
      } else {
        t.deepEqual(errors, [], `line ${i + 1} (${line}) loads on the real kernel`);
        t.is(listing, renderListing(auditctlLoad(line, 'probe.rules', arch).rules), `line ${i + 1}`);
      }
      const warned = ours.errors.some((e) => e.severity === 'warning' && e.message.includes('32/64 bit syscall mismatch'));
      t.is(warned, messages.some((m) => m.startsWith('WARNING')), `line ${i + 1}: mismatch warning`);
    });
    t.true(compared >= PROBE.length - 2);
  }));

  test(`${spec}: augenrules --load of the fixture rules.d merges and loads as we predict`, (t) => onGuest(spec, async (target) => {
    const names = readdirSync(AUGEN_DIR);
    const sources = names.map((n) => ({ name: n, text: readFileSync(path.join(AUGEN_DIR, n), 'utf8') }));
    await exec(target, 'mkdir -p /tmp/keep && mv /etc/audit/rules.d/* /tmp/keep/');
    try {
      for (const s of sources) await target.putFile(`/etc/audit/rules.d/${s.name}`, s.text, 0o640);
      const out = await exec(target, `auditctl -D >/dev/null; augenrules --load >/dev/null 2>&1; echo "${SEP}"; cat /etc/audit/audit.rules; echo "${SEP}"; auditctl -l; auditctl -D >/dev/null; auditctl -e 1 >/dev/null`);
      const [, merged, listing] = out.split(`${SEP}\n`);
      const ours = augenrulesMerge(sources, 'mawk');
      t.is(merged, ours.text, 'the generated /etc/audit/audit.rules');
      t.is(listing, renderListing(auditctlLoad(ours.text, '/etc/audit/audit.rules', arch).rules), 'auditctl -l after augenrules --load');
    } finally {
      await exec(target, 'rm -f /etc/audit/rules.d/*; mv /tmp/keep/* /etc/audit/rules.d/');
    }
  }));
}
