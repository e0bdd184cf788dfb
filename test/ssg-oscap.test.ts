// SSG with the real oscap on real guests, one boot each, at once: qemu:debian11-amd64 with its native Debian 11
// datastream (the whole flow), qemu:debian11-i686 with the same (not battered),
// qemu:debian12-amd64 with its own datastream (trixie's 0.1.76; bookworm's 0.1.65 has none), Debian 11's and RHEL 7/8/9's.
// oscap's verdicts are read back from its own result files; the remediation the guest ran is the script oscap
// generated; the battery shows what the kernel logged after it (rules only on disk, then after augenrules --load).
// RHEL 9 runs to the end on Debian 12; RHEL 7 and 8 (RHEL 9's fixes but for the header, the guard's order and, in 7,
// the extra _create rule) are evaluated and their scripts generated only, and Debian 11 content on Debian 12 is
// remediated but not battered: `validate` runs everything to the end.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openQemuTarget, type QemuTarget } from '../harness/targets/index.js';
import { shortRule } from '../harness/tools/ssg/content.js';
import { runSsg, type SsgRun } from '../harness/tools/ssg/flow.js';
import { ovalDefinitionResults, readResultFile, ruleResultsOf } from '../harness/tools/ssg/oscap.js';
import { pristineAuditRules, type BatteryRow } from '../harness/tools/validate/battery.js';
import { probeGuest } from '../harness/scenarios/run-scenario.js';

const runs = new Map<string, SsgRun>();
let outDir = '';
let bootError: unknown;

/** Per target: the datastreams it runs, and how far. */
const PLAN: Record<string, Array<{ product: string; remediate: boolean; battery: boolean }>> = {
  'qemu:debian11-amd64': [{ product: 'debian11', remediate: true, battery: true }],
  // Not battered: the 32-bit case of the fixes is what is looked at (b32 lines only, and oscap's verdict on them).
  'qemu:debian11-i686': [{ product: 'debian11', remediate: true, battery: false }],
  'qemu:debian12-amd64': [
    { product: 'debian12', remediate: true, battery: true },
    { product: 'debian11', remediate: true, battery: false },
    { product: 'rhel9', remediate: true, battery: true },
    { product: 'rhel7', remediate: false, battery: false },
    { product: 'rhel8', remediate: false, battery: false },
  ],
};

test.before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'audit-harness-ssg-test-'));
  await Promise.all(Object.entries(PLAN).map(async ([spec, plan]) => {
    let target: QemuTarget | undefined;
    try {
      target = await openQemuTarget(spec);
      const session = await probeGuest(target);
      const pristine = await pristineAuditRules(target);
      for (const p of plan) runs.set(`${spec} ${p.product}`, await runSsg(session, p.product, join(outDir, spec.replace(/\W/g, '_'), p.product), pristine, p));
    } catch (e) {
      bootError ??= e;
    } finally {
      await target?.close();
    }
  }));
});

test.after.always(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

const D11 = 'qemu:debian11-amd64';
const D12 = 'qemu:debian12-amd64';
const D11_686 = 'qemu:debian11-i686';
function run(p: string, spec = D12): SsgRun {
  if (bootError) throw bootError;
  return runs.get(`${spec} ${p}`)!;
}

/** oscap's verdicts as its own results file says them. */
async function verdicts(file: string): Promise<Record<string, string>> {
  return Object.fromEntries([...ruleResultsOf(await readResultFile(file))].filter(([id]) => id.includes('kernel_module_loading')).map(([id, v]) => [shortRule(id), v]));
}

const rowOf = (rows: BatteryRow[], path: string) => rows.find((r) => `${r.path}${r.as === 'sudo' ? ' (sudo)' : ''}` === path)!;
const logged = (rows: BatteryRow[], path: string) => rowOf(rows, path).logged;

test('the datastreams hold the rule and its siblings (RHEL 7 also _create)', (t) => {
  t.deepEqual(run('debian11').rules.map(shortRule), ['audit_rules_kernel_module_loading', 'audit_rules_kernel_module_loading_delete', 'audit_rules_kernel_module_loading_finit', 'audit_rules_kernel_module_loading_init']);
  t.deepEqual(run('rhel9').rules.map(shortRule), run('debian11').rules.map(shortRule));
  t.deepEqual(run('debian11', D11).rules, run('debian11').rules);
  t.deepEqual(run('rhel7').rules.map(shortRule), ['audit_rules_kernel_module_loading', 'audit_rules_kernel_module_loading_create', 'audit_rules_kernel_module_loading_delete', 'audit_rules_kernel_module_loading_finit', 'audit_rules_kernel_module_loading_init']);
});

test('Debian 11 content on Debian 11: oscap fails every rule before; the remediation as generated changes nothing (fail); with its guards lifted, pass', async (t) => {
  const r = run('debian11', D11);
  const rules = r.rules.map(shortRule);
  const all = (v: string) => Object.fromEntries(rules.map((x) => [x, v]));
  t.deepEqual(await verdicts(r.before.resultsFile), all('fail'));
  t.is(r.remediations[0]!.variant, 'as generated');
  t.deepEqual(await verdicts(r.remediations[0]!.after.resultsFile), all('fail'));
  t.is(r.remediations[1]!.variant, 'platform guards lifted');
  t.deepEqual(await verdicts(r.remediations[1]!.after.resultsFile), all('pass'));
  const defs = ovalDefinitionResults(await readResultFile(r.before.arfFile));
  t.is(defs.get('oval:ssg-installed_OS_is_debian11:def:1'), 'true');
  // The auditd package (in the guest's dpkg database) and the machine platform hold.
  t.is(defs.get('oval:ssg-installed_env_has_audit_package:def:1'), 'true');
  t.is(defs.get('oval:ssg-installed_env_is_a_machine:def:1'), 'true');
});

test('Debian 11 content on Debian 11 i686: the audit package platform holds (the guest\'s dpkg arch); the unguarded fixes write b32 lines only (getconf LONG_BIT is 32) and oscap still says fail: against a directory it cannot tell the guest is 32-bit (uname objects not applicable), so it wants the b64 line', async (t) => {
  const r = run('debian11', D11_686);
  const all = (v: string) => Object.fromEntries(r.rules.map((x) => [shortRule(x), v]));
  const before = await readResultFile(r.before.arfFile);
  t.is(ovalDefinitionResults(before).get('oval:ssg-installed_env_has_audit_package:def:1'), 'true');
  t.deepEqual(await verdicts(r.before.resultsFile), all('fail'));
  const lifted = r.remediations.find((m) => m.variant === 'platform guards lifted')!;
  t.regex(r.rulesOnDisk, /^-a always,exit -F arch=b32 -S init_module -S finit_module -S delete_module -F key=modules$/m);
  t.notRegex(r.rulesOnDisk, /arch=b64/);
  t.deepEqual(await verdicts(lifted.after.resultsFile), all('fail'));
  // oscap does not probe uname against a directory, on either arch.
  for (const spec of [D11, D11_686]) {
    const arf = await readResultFile(run('debian11', spec).remediations.find((m) => m.variant === 'platform guards lifted')!.after.arfFile);
    t.regex(arf, /<object id="oval:ssg-object_system_info_architecture_x86_64:obj:1" version="1" flag="not applicable"/, spec);
  }
});

test('Debian 12 content (trixie\'s 0.1.76) on Debian 12: fail before; the remediation as generated passes its guards (dpkg-query finds linux-base and auditd in the guest\'s dpkg database) and oscap says pass; nothing is logged until augenrules --load', async (t) => {
  const r = run('debian12');
  t.regex(r.datastream, /ssg-debian_0\.1\.76[^/]*\/usr\/share\/xml\/scap\/ssg\/content\/ssg-debian12-ds\.xml$/);
  const all = (v: string) => Object.fromEntries(r.rules.map((x) => [shortRule(x), v]));
  t.deepEqual(await verdicts(r.before.resultsFile), all('fail'));
  const defs = ovalDefinitionResults(await readResultFile(r.before.arfFile));
  t.is(defs.get('oval:ssg-installed_OS_is_debian12:def:1'), 'true');
  t.is(r.remediations.length, 1, 'no need to lift the guards');
  const [asGenerated] = r.remediations;
  t.is(asGenerated!.variant, 'as generated');
  t.is(asGenerated!.notApplicable, 0, asGenerated!.stderr);
  t.true(r.script.blocks.every((b) => b.guard?.includes("'linux-base'") && b.guard.includes("'auditd'")), 'every fix is guarded by linux-base and auditd');
  t.deepEqual(await verdicts(asGenerated!.after.resultsFile), all('pass'));
  t.regex(r.loadedAfterRemediation, /^No rules/);
  t.true(r.batteryOnDisk!.rows.every((row) => row.logged.length === 0));
  t.is(r.augenrules!.exitCode, 0);
  t.deepEqual(logged(r.batteryLoaded!.rows, 'insmod (.ko)'), ['finit_module']);
  t.deepEqual(logged(r.batteryLoaded!.rows, 'loader32:init_module'), ['init_module']);
});

test('Debian 11 content on Debian 12: oscap says notapplicable for every rule, before and after remediation, because its platform (Debian 11) is false', async (t) => {
  const r = run('debian11');
  for (const file of [r.before.resultsFile, ...r.remediations.map((m) => m.after.resultsFile)]) {
    const v = await verdicts(file);
    t.deepEqual(Object.keys(v).sort(), r.rules.map(shortRule), file);
    t.true(Object.values(v).every((x) => x === 'notapplicable'), `${file}: ${JSON.stringify(v)}`);
  }
  const defs = ovalDefinitionResults(await readResultFile(r.before.arfFile));
  t.is(defs.get('oval:ssg-installed_OS_is_debian11:def:1'), 'false');
  t.is(defs.get('oval:ssg-installed_OS_is_debian:def:1'), 'true');
});

test('RHEL 7/8/9 content on Debian 12: notapplicable (the RHEL platform is false)', async (t) => {
  for (const p of ['rhel7', 'rhel8', 'rhel9']) {
    const r = run(p);
    const v = await verdicts(r.before.resultsFile);
    t.true(Object.values(v).length === r.rules.length && Object.values(v).every((x) => x === 'notapplicable'), `${p}: ${JSON.stringify(v)}`);
    const defs = ovalDefinitionResults(await readResultFile(r.before.arfFile));
    t.is(defs.get(`oval:ssg-installed_OS_is_${p}:def:1`), 'false', p);
  }
});

test('the remediation the guest ran is the script oscap generated: one fix per rule, with the rule\'s syscalls and key', async (t) => {
  const d = run('debian11', D11);
  const text = await readFile(d.remediations[0]!.file, 'utf8');
  t.is(text, d.script.text);
  t.regex(text, /^# This file was generated by OpenSCAP 1\.3\.7/m);
  t.deepEqual(d.script.blocks.map((b) => shortRule(b.rule)), d.rules.map(shortRule));
  t.regex(text, /SYSCALL="init_module finit_module delete_module"\n\s*KEY="modules"/);
  t.regex(text, /AUID_FILTERS=""/);
  // Debian 11's guard asks dpkg for a package named "audit"; Debian's is "auditd".
  t.true(d.script.blocks.every((b) => b.guard?.includes("dpkg-query --show --showformat='${db:Status-Status}\\n' 'audit'")));
  for (const p of ['rhel7', 'rhel8', 'rhel9']) {
    const r = run(p);
    t.regex(r.script.text, /AUID_FILTERS="-F auid>=1000 -F auid!=unset"/, p);
    t.regex(r.script.text, /SYSCALL="init_module finit_module delete_module"/, p);
    t.true(r.script.blocks.every((b) => b.guard?.includes('rpm --quiet -q audit')), p);
  }
});

test('as generated, every fix\'s guard stops it on the guest; with the guards lifted the fixes write the rules to rules.d and audit.rules', (t) => {
  for (const [p, spec] of [['debian11', D11], ['debian11', D12], ['rhel9', D12]] as const) {
    const r = run(p, spec);
    const [asGenerated, lifted] = r.remediations;
    t.is(asGenerated!.notApplicable, r.script.blocks.length, p);
    t.is(lifted?.variant, 'platform guards lifted', p);
    t.is(lifted!.notApplicable, 0, p);
    t.is(lifted!.exitCode, 0, `${p}: ${lifted!.stderr}`);
  }
  t.regex(run('debian11', D11).rulesOnDisk, /^-a always,exit -F arch=b64 -S init_module -S finit_module -S delete_module -F key=modules$/m);
  t.regex(run('debian11', D11).rulesOnDisk, /^-a always,exit -F arch=b32 -S init_module -S finit_module -S delete_module -F key=modules$/m);
  t.regex(run('rhel9').rulesOnDisk, /^-a always,exit -F arch=b64 -S init_module -S finit_module -S delete_module -F auid>=1000 -F auid!=unset -F key=modules$/m);
});

test('the remediation loads nothing: with the rules only on disk the kernel logs no load or unload', (t) => {
  for (const [p, spec] of [['debian11', D11], ['rhel9', D12]] as const) {
    const r = run(p, spec);
    t.regex(r.loadedAfterRemediation, /^No rules/, p);
    t.true(r.batteryOnDisk!.rows.every((row) => row.logged.length === 0), `${p}: ${JSON.stringify(r.batteryOnDisk!.rows.map((x) => x.logged))}`);
  }
});

test('Debian 11, after augenrules --load, its lines log every load and unload, by any caller and either arch', (t) => {
  const rows = run('debian11', D11).batteryLoaded!.rows;
  t.is(run('debian11', D11).augenrules!.exitCode, 0);
  t.deepEqual(logged(rows, 'insmod (.ko)'), ['finit_module']);
  t.deepEqual(logged(rows, 'rmmod'), ['delete_module']);
  t.deepEqual(logged(rows, 'modprobe (.ko.xz)'), ['init_module']);
  t.deepEqual(logged(rows, 'sudo insmod (.ko) (sudo)'), ['finit_module']);
  t.deepEqual(logged(rows, 'loader32:init_module'), ['init_module']);
  t.deepEqual(logged(rows, 'loader:finit_module'), ['finit_module']);
  // the user's autoload: the kernel's own modprobe, which loads Debian 11's .ko with finit_module
  t.deepEqual(logged(rows, 'autoload (socket 13)'), ['finit_module']);
});

test('after augenrules --load, RHEL 9\'s lines (auid>=1000, auid!=unset) log the sudo user\'s loads and nothing done by root\'s console, nor the user\'s autoload (the kernel\'s modprobe has auid unset)', (t) => {
  const rows = run('rhel9').batteryLoaded!.rows;
  t.deepEqual(logged(rows, 'sudo insmod (.ko) (sudo)'), ['finit_module']);
  t.deepEqual(logged(rows, 'sudo rmmod (sudo)'), ['delete_module']);
  for (const p of ['insmod (.ko)', 'rmmod', 'modprobe (.ko.xz)', 'loader32:init_module', 'loader:finit_module', 'autoload (socket 13)']) t.deepEqual(logged(rows, p), [], p);
});
