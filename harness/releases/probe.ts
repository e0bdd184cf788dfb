// What a booted guest says about itself: the release facts, measured with one command. The runner conditions
// expectations on these (never on what a recipe claims), and a test checks each recipe's stated facts against them.
import { GUEST_FACT_NAMES, guestFactSchemas, type GuestFacts } from './facts.js';

/** POSIX sh, one `name=value` line per fact. */
export const PROBE_SCRIPT = [
  'echo "arch=$(uname -m)"',
  'echo "kernel=$(uname -r)"',
  'echo "kmod=$(kmod --version | sed -n \'s/^kmod version \\([0-9]*\\).*/\\1/p\')"',
  'echo "kernelDecompression=$(cat /sys/module/compression 2>/dev/null || echo none)"',
  // The kernel package's own modules (the test modules under extra/ are ours).
  'f=$(find /lib/modules/$(uname -r)/kernel -name "*.ko*" 2>/dev/null | head -n 1)',
  'case "$f" in *.ko.xz) c=xz;; *.ko.zst) c=zstd;; *.ko.gz) c=gzip;; *.ko) c=none;; *) c=unknown;; esac',
  'echo "moduleCompression=$c"',
  'if [ -L /bin ] && [ -L /sbin ] && [ -L /lib ]; then echo usrMerge=true; else echo usrMerge=false; fi',
  'echo "sh=$(basename "$(readlink -f /bin/sh)")"',
  'echo "auditd=$(auditctl -v 2>&1 | sed -n \'s/^auditctl version //p\')"',
  'echo "logFormat=$(sed -n \'s/^log_format *= *//p\' /etc/audit/auditd.conf)"',
  'if [ -e /proc/sys/abi/vsyscall32 ]; then echo ia32Emulation=true; else echo ia32Emulation=false; fi',
  // KERN_MODULE is written by __audit_log_kern_module, which load_module and delete_module call where the kernel has
  // it (Linux 4.11+, or a backport): its symbol in the running kernel's symbol table, else in the package's System.map.
  'm=/proc/kallsyms; [ -r $m ] || m=/boot/System.map-$(uname -r)',
  'if [ ! -r $m ]; then echo kernModule=unknown; elif grep -q " __audit_log_kern_module$" $m; then echo kernModule=true; else echo kernModule=false; fi',
].join('\n');

export interface Probed {
  facts: GuestFacts;
  /** Raw lines, for reports. */
  raw: Record<string, string>;
}

const BOOLEAN_FACTS = new Set(['usrMerge', 'ia32Emulation', 'kernModule']);
/** Only the words the script prints: anything else (kernModule=unknown) is unreadable, never false. */
const bool = (text: string | undefined) => (text === 'true' ? true : text === 'false' ? false : undefined);

/** Parses PROBE_SCRIPT's output; an unreadable fact is an error naming it and what the guest said. */
export function parseProbe(stdout: string, target: string): Probed {
  const raw: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z0-9]+)=(.*)$/.exec(line.trim());
    if (m) raw[m[1]!] = m[2]!;
  }
  const values: Record<string, unknown> = {};
  for (const name of GUEST_FACT_NAMES) {
    const text = raw[name];
    const value = name === 'kmod' ? Number(text) : BOOLEAN_FACTS.has(name) ? bool(text) : name === 'sh' && text?.startsWith('busybox') ? 'busybox' : text;
    const parsed = guestFactSchemas[name].safeParse(value);
    if (!parsed.success) throw new Error(`${target}: cannot read the fact ${name} from the guest (it said ${JSON.stringify(text ?? '')})`);
    values[name] = parsed.data;
  }
  return { facts: values as GuestFacts, raw };
}
