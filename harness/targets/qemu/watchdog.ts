// A tiny shell process that kills qemu when node dies, even by SIGKILL (no 'exit' handler runs
// then). It reads a pipe from node: a line means the target stopped qemu itself (stand down); EOF
// without a line means node is gone: it kills the qemu pid, only if that process still has our
// temp dir on its command line (pid reuse), then removes the temp dir.
import { spawn, type ChildProcess } from 'node:child_process';

const script = `
# A line from node = stand down (the target stopped qemu itself); EOF without one = node is gone.
if read -r _; then exit 0; fi
if grep -qF -- "$2" "/proc/$1/cmdline" 2>/dev/null; then
  kill -TERM "$1" 2>/dev/null
  i=0
  while [ -d "/proc/$1" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$1" 2>/dev/null
fi
case "$2" in */audit-harness-qemu-*) rm -rf -- "$2" ;; esac
`;

export function startWatchdog(qemuPid: number, tempDir: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', script, 'audit-harness-watchdog', String(qemuPid), tempDir], {
    stdio: ['pipe', 'ignore', 'ignore'],
    // Own process group: a terminal's Ctrl-C goes to node, which cleans up in order.
    detached: true,
  });
  child.unref();
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  child.stdin?.on('error', () => {});
  return child;
}
