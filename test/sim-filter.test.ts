// The model's audit filter (harness/sim/filter.ts) on one exec that both an execve rule and a watch match: the rule
// listed first decides, its key is the event's. The kernel keeps the exit list's priority in list order and lets a
// watch decide again only when it outranks the rule that matched (auditsc.c audit_filter_rules, ctx->prio); measured
// on qemu:debian12-amd64 with the execve rule first (modprobe's exec carried the execve rule's key).
import test from 'ava';
import { auditctlLoad } from '../harness/audit/rules/index.js';
import { decide } from '../harness/sim/filter.js';
import { simulateCommand } from '../harness/sim/processes.js';
import { loadProfile } from '../harness/sim/profile.js';
import { simImageOf, world } from '../harness/sim/run.js';

const EXECVE = '-a always,exit -F arch=b64 -S execve -k exec';
const WATCH = '-w /usr/bin/kmod -p x -k kmod-watch';
const NEVER = '-a never,exit -F arch=b64 -S execve';

/** The decision for `modprobe -r`'s exec of kmod on sim:debian12-amd64 under these rules. */
function modprobeExec(...rules: string[]) {
  const w = world(simImageOf(loadProfile('debian12-amd64')));
  w.loaded.add('audit_test_mod');
  const exec = simulateCommand(w, 'modprobe -r audit_test_mod').calls.find((c) => c.syscall === 'execve' && c.task.comm === 'modprobe')!;
  return decide(auditctlLoad(rules.join('\n'), 'f.rules', 'x86_64').rules, w.fs, exec);
}

test('an execve rule listed before a watch keeps its key for the exec both match; a watch listed first takes it', (t) => {
  t.deepEqual(modprobeExec(EXECVE, WATCH), { record: true, key: 'exec' });
  t.deepEqual(modprobeExec(WATCH, EXECVE), { record: true, key: 'kmod-watch' });
  // Each alone.
  t.deepEqual(modprobeExec(EXECVE), { record: true, key: 'exec' });
  t.deepEqual(modprobeExec(WATCH), { record: true, key: 'kmod-watch' });
});

test('a never rule listed before a watch keeps the exec out of the log; a watch listed before it logs it', (t) => {
  t.deepEqual(modprobeExec(NEVER, WATCH), { record: false });
  t.deepEqual(modprobeExec(WATCH, NEVER), { record: true, key: 'kmod-watch' });
});
