// A started guest's lifetime limit, enforced twice so a forgotten guest dies even if nothing of the harness runs:
// a detached host watchdog (/bin/sh) kills its qemu at the deadline and removes its directory when qemu is gone
// (whoever ended it), and a timer inside the guest powers it off at the same deadline.
import { spawn } from 'node:child_process';
import type { SshTransport } from '../targets/ssh/transport.js';

const script = `
pid=$1 dir=$2 deadline=$3
while [ -d "/proc/$pid" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 1; done
if grep -qF -- "$dir" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -TERM "$pid" 2>/dev/null
  i=0
  while [ -d "/proc/$pid" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$pid" 2>/dev/null
fi
case "$dir" in */vms/*) rm -rf -- "$dir" ;; esac
`;

/** Starts the host watchdog for qemu `pid` (detached: it outlives node); returns its pid. */
export function startLifetimeWatchdog(pid: number, dir: string, deadlineMs: number): number {
  const child = spawn('/bin/sh', ['-c', script, 'audit-harness-lifetime', String(pid), dir, String(Math.ceil(deadlineMs / 1000))], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  if (!child.pid) throw new Error('cannot start the lifetime watchdog (/bin/sh)');
  return child.pid;
}

/** In the guest: power off after `ms` (setsid: the timer outlives the ssh session that started it). */
export async function startGuestTimer(ssh: SshTransport, ms: number): Promise<void> {
  const secs = Math.max(1, Math.ceil(ms / 1000));
  const r = await ssh.exec(`setsid sh -c 'sleep ${secs}; poweroff' </dev/null >/dev/null 2>&1 &`, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`cannot start the guest's power-off timer: ${r.stderr.trim() || `exit ${r.code}`}`);
}
