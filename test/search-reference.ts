// Runs the real ausearch and `audit-harness search` on the same log and options, and compares.
import type { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { referenceTool } from '../harness/reference/tools.js';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { runSearch } from '../harness/audit/search/run.js';

export const CLI = path.join(repoRoot, 'dist/harness/cli.js');
// ausearch -i prints local time and resolves uids on this host: pin the zone and locale for both.
export const ENV = { TZ: 'UTC', LC_ALL: 'C' };

export interface RunResult {
  stdout: Buffer;
  stderr: Buffer;
  status: number | null;
  /** The signal that ended the process (ausearch's SIGSEGV), else null. */
  signal: NodeJS.Signals | null;
}

export async function runBoth(log: string, args: string[], env: Record<string, string> = ENV): Promise<{ ref: RunResult; ours: RunResult }> {
  return runBothArgs([...args, '-if', log], env);
}

/**
 * The same as runBoth, with our search run inside this process (runSearch with files for stdout and stderr, as the
 * CLI calls it), not as a new node process: thousands of comparisons then cost milliseconds each instead of a node
 * start. test/search-diff.test.ts checks on a sample that both ways print the same bytes.
 */
export async function runBothInProcess(log: string, args: string[], env: Record<string, string> = ENV): Promise<{ ref: RunResult; ours: RunResult }> {
  const full = [...args, '-if', log];
  const t = await referenceTool('ausearch');
  const r = spawnSync(t.path, full, { env: { ...process.env, ...t.env, ...env }, maxBuffer: 1 << 28 });
  return { ref: { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal }, ours: runOursInProcess(full, env) };
}

export function runOursInProcess(full: string[], env: Record<string, string>): RunResult {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'search-inproc-'));
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const fds = { stdout: openSync(path.join(dir, 'out'), 'w'), stderr: openSync(path.join(dir, 'err'), 'w'), stdin: openSync('/dev/null', 'r') };
  try {
    const status = runSearch(full, fds);
    return { stdout: readFileSync(path.join(dir, 'out')), stderr: readFileSync(path.join(dir, 'err')), status, signal: null };
  } finally {
    for (const fd of Object.values(fds)) closeSync(fd);
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both tools on exactly these arguments (no -if added). */
export async function runBothArgs(full: string[], env: Record<string, string> = ENV): Promise<{ ref: RunResult; ours: RunResult }> {
  const t = await referenceTool('ausearch');
  const r = spawnSync(t.path, full, { env: { ...process.env, ...t.env, ...env }, maxBuffer: 1 << 28 });
  const o = spawnSync(process.execPath, [CLI, 'search', ...full], { env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return {
    ref: { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal },
    ours: { stdout: o.stdout, stderr: o.stderr, status: o.status, signal: o.signal },
  };
}

export function firstDifference(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  const lineStart = i === 0 ? 0 : a.lastIndexOf(0x0a, i - 1) + 1;
  return `at byte ${i}:\n  ausearch: ${JSON.stringify(a.subarray(lineStart, i + 60).toString('latin1'))}\n  ours:     ${JSON.stringify(b.subarray(lineStart, i + 60).toString('latin1'))}`;
}

export function assertSame(t: ExecutionContext, ref: RunResult, ours: RunResult, what: string): void {
  if (ref.signal === 'SIGSEGV') {
    assertStoppedWhereAusearchCrashes(t, ref, ours, what);
    return;
  }
  t.is(ours.signal, ref.signal, `${what}: signal`);
  t.is(ours.status, ref.status, `${what}: exit status`);
  t.true(ours.stdout.equals(ref.stdout), `${what}: stdout differs ${firstDifference(ref.stdout, ours.stdout)}`);
  t.true(ours.stderr.equals(ref.stderr), `${what}: stderr differs ${firstDifference(ref.stderr, ours.stderr)}`);
}

/**
 * ausearch 3.0.9 dies of SIGSEGV where -f meets a CONFIG_CHANGE path= it cannot read (match.ts SearchCrash). There
 * search stops instead, exit 2, naming the record: what ausearch's stdio had flushed of stdout, and all it wrote on
 * stderr, must come first in ours.
 */
export function assertStoppedWhereAusearchCrashes(t: ExecutionContext, ref: RunResult, ours: RunResult, what: string): void {
  t.is(ours.signal, null, `${what}: ours must not crash`);
  t.is(ours.status, 2, `${what}: exit status where ausearch crashes`);
  t.true(ours.stdout.subarray(0, ref.stdout.length).equals(ref.stdout), `${what}: stdout before the crash differs ${firstDifference(ref.stdout, ours.stdout)}`);
  t.true(ours.stderr.subarray(0, ref.stderr.length).equals(ref.stderr), `${what}: stderr before the crash differs ${firstDifference(ref.stderr, ours.stderr)}`);
  t.regex(ours.stderr.subarray(ref.stderr.length).toString('latin1'), /^audit-harness: \S+:\d+: ausearch 3\.0\.9 dies of SIGSEGV on this event with -f .*; search stopped here\n$/, `${what}: stderr`);
}
