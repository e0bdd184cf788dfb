// The rules code against the real auditctl 3.0.9 on both real kernels, live: every rules file of the project
// (scenarios/rulesets, test/fixtures/rules, guest/probe.rules) loaded into qemu:debian12-amd64 and -i686 and
// compared with our prediction: the auditctl -l listing and exit status of `auditctl -R FILE`; and, loading
// each line alone in order, which lines fail, auditctl's message and warnings for each, and the final listing.
// Then augenrules --load of the fixture rules.d (merge and listing). One boot per image (both at once), one
// exec per rules file (test/fixtures/rules/guest/load-rules.sh prints machine-readable records).
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { shellQuote } from '../harness/shell.js';
import { openQemuTarget, type QemuTarget } from '../harness/targets/index.js';
import { auditctlLoad, augenrulesMerge, parseRuleLine, readRulesSources, renderListing } from '../harness/audit/rules/index.js';
import type { KernelArch, LoadResult, RuleError } from '../harness/audit/rules/index.js';

const IMAGES: readonly { spec: string; arch: KernelArch }[] = [
  { spec: 'qemu:debian12-amd64', arch: 'x86_64' },
  { spec: 'qemu:debian12-i686', arch: 'i686' },
];

const guestDir = path.join(repoRoot, 'test/fixtures/rules/guest');
const augenrulesDir = path.join(repoRoot, 'test/fixtures/rules/augenrules');
const SCRIPT = '/root/load-rules.sh';
/** load-rules.sh puts each line after two lines of its own (see there). */
const LINE_IN_LINE_FILE = 3;

interface RulesFile {
  /** Path relative to the repository. */
  name: string;
  text: string;
  /** NAME.golden / NAME.i686.golden next to it, where they exist. */
  golden?: Record<KernelArch, string>;
}

function rulesFilesIn(dir: string, withGoldens: boolean): RulesFile[] {
  const read = (n: string) => readFileSync(path.join(repoRoot, dir, n), 'utf8');
  return readdirSync(path.join(repoRoot, dir))
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => {
      const base = f.replace(/\.rules$/, '');
      return {
        name: `${dir}/${f}`,
        text: read(f),
        golden: withGoldens ? { x86_64: read(`${base}.golden`), i686: read(`${base}.i686.golden`) } : undefined,
      };
    });
}

const FILES: RulesFile[] = [
  ...rulesFilesIn('scenarios/rulesets', false),
  ...rulesFilesIn('test/fixtures/rules', true),
  { name: 'test/fixtures/rules/guest/probe.rules', text: readFileSync(path.join(guestDir, 'probe.rules'), 'utf8') },
];

/** Lines as auditctl's fgets sees them (a final line without newline counts). */
function textLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

// ---- what the guest printed

interface Ran {
  rc: number;
  stdout: string;
  stderr: string;
}

interface GuestRun {
  /** Directory -> exists in the guest. */
  dirs: Map<string, boolean>;
  /** auditctl -R of the whole file, then auditctl -l. */
  file: Ran;
  list: Ran;
  /** Each line alone, in order (index = line - 1), then auditctl -l. */
  lines: Ran[];
  linesList: Ran;
}

const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

function parseGuestRun(out: string): GuestRun {
  const run: Partial<GuestRun> & { dirs: Map<string, boolean>; lines: Ran[] } = { dirs: new Map(), lines: [] };
  for (const record of out.split('\n')) {
    const f = record.split('\t');
    switch (f[0]) {
      case 'DIR': run.dirs.set(f.slice(2).join('\t'), f[1] === '1'); break;
      case 'FILE': run.file = { rc: Number(f[1]), stdout: b64(f[2]), stderr: b64(f[3]) }; break;
      case 'LIST': run.list = { rc: Number(f[1]), stdout: b64(f[2]), stderr: '' }; break;
      case 'LINE': run.lines[Number(f[1]) - 1] = { rc: Number(f[2]), stdout: b64(f[3]), stderr: b64(f[4]) }; break;
      case 'LINES': run.linesList = { rc: Number(f[1]), stdout: b64(f[2]), stderr: '' }; break;
    }
  }
  if (!run.file || !run.list || !run.linesList) throw new Error(`incomplete output from ${SCRIPT}:\n${out}`);
  return run as GuestRun;
}

// ---- what we predict

/** Directories whose absence makes the kernel refuse the line with ENOENT: a watch's parent, a dir= tree. */
function watchDirs(line: string, arch: KernelArch): string[] {
  const r = parseRuleLine(line, 'x', 1, arch);
  if (r.errors.some((e) => e.severity === 'error')) return [];
  const dirs: string[] = [];
  for (const item of r.items) {
    if (item.kind !== 'rule' || item.op !== 'add') continue;
    for (const f of item.fields) {
      if (f.name === 'path' && typeof f.value === 'string') dirs.push(path.posix.dirname(f.value));
      if (f.name === 'dir' && typeof f.value === 'string') dirs.push(f.value);
    }
  }
  return dirs;
}

const ENOENT_MESSAGE = 'Error sending add rule data request (No such file or directory)';

/** Lines (1-based) the kernel refuses because a directory they need is missing in this guest. */
function enoentLines(file: RulesFile, arch: KernelArch, dirs: Map<string, boolean>): Set<number> {
  const out = new Set<number>();
  textLines(file.text).forEach((l, i) => {
    if (watchDirs(l, arch).some((d) => dirs.get(d) === false)) out.add(i + 1);
  });
  return out;
}

/** auditctl -R FILE: our load, stopped earlier where the guest's filesystem makes the kernel refuse a line. */
function predictWhole(file: RulesFile, arch: KernelArch, enoent: Set<number>): LoadResult {
  const load = auditctlLoad(file.text, file.name, arch);
  const first = Math.min(...enoent);
  if (first === Infinity || (load.stoppedAt && load.stoppedAt.line < first)) return load;
  const before = auditctlLoad(textLines(file.text).slice(0, first - 1).join('\n') + '\n', file.name, arch);
  return { ...before, stoppedAt: { file: file.name, line: first } };
}

/** Each line loaded alone, in order: our load told to go on after errors (-c), ENOENT lines failing. */
function predictEachLine(file: RulesFile, arch: KernelArch, enoent: Set<number>): { rules: LoadResult['rules']; byLine: Map<number, RuleError[]> } {
  const lines = textLines(file.text).map((l, i) => (enoent.has(i + 1) ? '' : l));
  const load = auditctlLoad(['-c', ...lines].join('\n') + '\n', file.name, arch, (n) => ({ file: file.name, line: n - 1 }));
  const byLine = new Map<number, RuleError[]>();
  const add = (e: RuleError) => byLine.set(e.line, [...(byLine.get(e.line) ?? []), e]);
  load.errors.forEach(add);
  for (const n of enoent) add({ file: file.name, line: n, column: 1, severity: 'error', message: ENOENT_MESSAGE });
  return { rules: load.rules, byLine };
}

// ---- guests: both booted at test start, then one exec per rules file, in order

interface ImageRuns {
  vm: Promise<QemuTarget>;
  runs: Map<string, Promise<GuestRun>>;
  augenrules: Promise<Ran & { merged: string; listing: string }>;
}

const images = new Map<string, ImageRuns>();

function startImage(img: { spec: string; arch: KernelArch }): ImageRuns {
  const vm = openQemuTarget(img.spec, { qemu: { bootTimeoutMs: 180_000 } });
  const ready = vm.then(async (t) => {
    if (t.info.arch !== img.arch) throw new Error(`${img.spec}: uname -m is ${t.info.arch}, expected ${img.arch}`);
    await t.putFile(SCRIPT, readFileSync(path.join(guestDir, 'load-rules.sh')), 0o755);
    return t;
  });
  let prev: Promise<unknown> = ready;
  const runs = new Map<string, Promise<GuestRun>>();
  for (const file of FILES) {
    const dirs = [...new Set(textLines(file.text).flatMap((l) => watchDirs(l, img.arch)))];
    const run = prev.then(async () => {
      const t = await ready;
      const r = await t.exec(`${SCRIPT} ${dirs.map(shellQuote).join(' ')}`, { stdin: file.text, timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`${img.spec}: ${SCRIPT} for ${file.name} exited ${r.code}: ${r.stdout}${r.stderr}`);
      return parseGuestRun(r.stdout);
    });
    runs.set(file.name, run);
    prev = run.catch(() => undefined);
  }
  // Last: this rules.d ends with -e 2, never reached because the load stops at an earlier error (were it
  // reached, the configuration would be locked for the rest of the boot).
  const augenrules = prev.then(async () => {
    const t = await ready;
    const dir = path.join(augenrulesDir, 'rules.d');
    const puts = readdirSync(dir).map((n) => `printf %s ${shellQuote(readFileSync(path.join(dir, n), 'utf8'))} > /etc/audit/rules.d/${shellQuote(n)}`);
    const script = [
      'rm -f /etc/audit/rules.d/*',
      ...puts,
      'rc=0; augenrules --load > /tmp/augenrules.out 2>&1 || rc=$?',
      'printf "%s\\t%s\\t%s\\t%s\\n" "$rc" "$(base64 -w0 < /tmp/augenrules.out)" "$(base64 -w0 < /etc/audit/audit.rules)" "$(auditctl -l | base64 -w0)"',
      'auditctl -D > /dev/null',
    ].join('\n');
    const r = await t.exec(script, { timeoutMs: 120_000 });
    const f = r.stdout.trim().split('\t');
    if (r.code !== 0 || f.length !== 4) throw new Error(`${img.spec}: augenrules step exited ${r.code}: ${r.stdout}${r.stderr}`);
    return { rc: Number(f[0]), stdout: b64(f[1]), stderr: '', merged: b64(f[2]), listing: b64(f[3]) };
  });
  augenrules.catch(() => undefined);
  return { vm, runs, augenrules };
}

test.before(() => {
  for (const img of IMAGES) images.set(img.spec, startImage(img));
});

test.after.always(async () => {
  for (const { vm } of images.values()) {
    const t = await vm.catch(() => undefined);
    await t?.close();
  }
});

// ---- comparisons

/** auditctl's messages, without its "There was an error in line N of FILE". */
function messages(stderr: string): string[] {
  return stderr.split('\n').filter((m) => m !== '' && !/^There was an error in line \d+ of /.test(m));
}

/** Warnings auditctl itself prints (ours that imitate them start the same way), line numbers left out. */
function auditctlWarnings(msgs: readonly string[]): string[] {
  return msgs.filter((m) => /^(WARNING|Warning) - /.test(m)).map((m) => m.replace(/ in line \d+/, ''));
}

const describe = (run: Ran) => `exit ${run.rc}, stdout ${JSON.stringify(run.stdout)}, stderr ${JSON.stringify(run.stderr)}`;

for (const img of IMAGES) {
  for (const file of FILES) {
    test(`${img.spec}: auditctl -R ${file.name}: exit status, stop line and auditctl -l are ours`, async (t) => {
      const run = await images.get(img.spec)!.runs.get(file.name)!;
      const ours = predictWhole(file, img.arch, enoentLines(file, img.arch, run.dirs));
      t.is(run.list.stdout, renderListing(ours.rules), `auditctl -l (real, then ours); auditctl -R: ${describe(run.file)}`);
      t.is(run.file.rc !== 0, ours.stoppedAt !== undefined, `auditctl -R ${describe(run.file)}; we predict ${ours.stoppedAt ? `a stop at line ${ours.stoppedAt.line}` : 'success'}`);
      // auditctl names the line only on stderr, which it uses once it has sent a rule (before, it logs to syslog).
      const stop = /There was an error in line (\d+) of /.exec(run.file.stderr);
      if (stop) t.is(Number(stop[1]) as number | undefined, ours.stoppedAt?.line, 'line auditctl -R stopped at (real, then ours)');
      if (file.golden) t.is(run.list.stdout, file.golden[img.arch], `the real listing is the committed ${img.arch === 'x86_64' ? '' : 'i686 '}golden`);
    });

    test(`${img.spec}: ${file.name} line by line: failing lines, messages, warnings and listing are ours`, async (t) => {
      const run = await images.get(img.spec)!.runs.get(file.name)!;
      const enoent = enoentLines(file, img.arch, run.dirs);
      const ours = predictEachLine(file, img.arch, enoent);
      const lines = textLines(file.text);
      t.is(run.lines.length, lines.length, 'the guest ran every line');
      const differences: string[] = [];
      const realFailed: number[] = [];
      const oursFailed: number[] = [];
      lines.forEach((line, i) => {
        const n = i + 1;
        const real = run.lines[i]!;
        const realMsgs = messages(real.stderr);
        const mine = ours.byLine.get(n) ?? [];
        const ourErrors = mine.filter((e) => e.severity === 'error');
        if (real.rc !== 0) realFailed.push(n);
        if (ourErrors.length > 0) oursFailed.push(n);
        const failed = real.rc !== 0 && new RegExp(`^There was an error in line ${LINE_IN_LINE_FILE} of `, 'm').test(real.stderr);
        if (failed && ourErrors.length > 0) {
          const last = realMsgs.filter((m) => !/^(WARNING|Warning) - /.test(m)).pop() ?? '';
          if (last === '' || !ourErrors[0]!.message.startsWith(last)) differences.push(`line ${n} (${line}): real "${realMsgs.join(' / ')}", ours "${ourErrors[0]!.message}"`);
        } else if (failed !== ourErrors.length > 0) {
          differences.push(`line ${n} (${line}): real ${describe(real)}; ours ${ourErrors.map((e) => `"${e.message}"`).join(', ') || 'loads'}`);
        }
        const ourWarnings = auditctlWarnings(mine.filter((e) => e.severity === 'warning').map((e) => e.message));
        t.deepEqual(auditctlWarnings(realMsgs), ourWarnings, `line ${n} (${line}): auditctl's warnings (real, then ours)`);
      });
      t.deepEqual(realFailed, oursFailed, `lines that fail (real, then ours)\n${differences.join('\n')}`);
      t.deepEqual(differences, [], 'each line fails as the real auditctl says, with its message');
      t.is(run.linesList.stdout, renderListing(ours.rules), 'auditctl -l after the last line (real, then ours)');
      if (enoent.size > 0) t.log(`refused for a directory missing in the guest (ENOENT, predicted from the guest's files): lines ${[...enoent].join(', ')}`);
    });
  }

  test(`${img.spec}: augenrules --load of the fixture rules.d: merged audit.rules and auditctl -l are ours and the goldens`, async (t) => {
    const real = await images.get(img.spec)!.augenrules;
    const merged = augenrulesMerge(await readRulesSources([path.join(augenrulesDir, 'rules.d')]), 'mawk');
    t.is(real.merged, merged.text, '/etc/audit/audit.rules (real, then ours)');
    t.is(real.merged, readFileSync(path.join(augenrulesDir, 'merged.mawk.golden'), 'utf8'), 'the real merge is merged.mawk.golden');
    const load = auditctlLoad(merged.text, '/etc/audit/audit.rules', img.arch);
    t.is(real.listing, renderListing(load.rules), `auditctl -l (real, then ours); augenrules --load: ${describe(real)}`);
    const golden = img.arch === 'x86_64' ? 'listing.golden' : 'listing.i686.golden';
    t.is(real.listing, readFileSync(path.join(augenrulesDir, golden), 'utf8'), `the real listing is ${golden}`);
    const stop = /There was an error in line (\d+) of /.exec(real.stdout);
    if (stop) t.is(Number(stop[1]) as number | undefined, load.stoppedAt?.line, 'line of audit.rules the load stopped at (real, then ours)');
  });
}
