// The records the kernel writes for one audited syscall, as raw log lines (RAW log_format): SYSCALL, then EXECVE,
// CWD and PATH for an exec, KERN_MODULE for a module syscall, SOCKETCALL for socketcall, PROCTITLE last. Parsed back with parseLog, they are
// the same AuditEvent objects a real guest's ausearch output gives.
import { syscallNumber } from '../audit/syscalls/index.js';
import { ARCH_ELF, ERRNO } from './filter.js';
import type { SimCall } from './processes.js';

/** audit_log_n_untrustedstring: quoted when printable without space or quote, else hex. */
function untrusted(s: string): string {
  return /^[\x21-\x7e]*$/.test(s) && !s.includes('"') ? `"${s}"` : Buffer.from(s, 'latin1').toString('hex').toUpperCase();
}

export function recordLines(call: SimCall, key: string | undefined, sec: number, serial: number): string[] {
  const t = call.task;
  const stamp = `msg=audit(${sec}.${String(serial % 1000).padStart(3, '0')}:${serial}):`;
  const exit = call.error ? -ERRNO[call.error] : 0;
  // The guest's users have a group of their own number (root 0, tester 1000).
  const gid = t.uid;
  const egid = t.euid;
  const lines = [
    `type=SYSCALL ${stamp} arch=${ARCH_ELF[t.arch].toString(16)} syscall=${syscallNumber(t.arch, call.syscall)} success=${call.error ? 'no' : 'yes'} exit=${exit}`
      + ` a0=0 a1=0 a2=0 a3=0 items=${call.names.length} ppid=${t.ppid} pid=${t.pid} auid=${t.auid} uid=${t.uid} gid=${gid} euid=${t.euid} suid=${t.euid}`
      + ` fsuid=${t.euid} egid=${egid} sgid=${egid} fsgid=${egid} tty=(none) ses=${t.ses} comm=${untrusted(t.comm)} exe=${untrusted(t.exe)}`
      + ` subj=unconfined key=${key === undefined ? '(null)' : untrusted(key)}`,
  ];
  // A failed exec has no EXECVE record (the new image never started).
  if (call.syscall === 'execve' && !call.error) {
    lines.push(`type=EXECVE ${stamp} argc=${t.argv.length} ${t.argv.map((a, i) => `a${i}=${untrusted(a)}`).join(' ')}`);
  }
  if (call.syscall === 'execve') lines.push(`type=CWD ${stamp} cwd="/root"`);
  call.names.forEach((n, i) => lines.push(n.ino === undefined
    ? `type=PATH ${stamp} item=${i} name=${untrusted(n.name)} nametype=UNKNOWN cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`
    : `type=PATH ${stamp} item=${i} name=${untrusted(n.name)} inode=${n.ino} dev=00:02 mode=${n.mode} ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0`));
  if (call.module !== undefined) lines.push(`type=KERN_MODULE ${stamp} name=${untrusted(call.module)}`);
  // audit_log_exit's show_special: nargs and the arguments in hex, as audit_socketcall saved them.
  if (call.socketcallArgs) lines.push(`type=SOCKETCALL ${stamp} nargs=${call.socketcallArgs.length} ${call.socketcallArgs.map((a, i) => `a${i}=${a.toString(16)}`).join(' ')}`);
  lines.push(`type=PROCTITLE ${stamp} proctitle=${untrusted(t.argv.join('\0'))}`);
  return lines;
}
