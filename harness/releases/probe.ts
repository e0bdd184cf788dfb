// What a booted guest says about itself: the release facts, measured with one command. The runner conditions
// expectations on these (never on what a recipe claims), and a test checks each recipe's stated facts against them.
import { baseFactSchemas, FACT_NAMES, type Facts } from './facts.js';

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
].join('\n');

export interface Probed {
  facts: Facts;
  /** Raw lines, for reports. */
  raw: Record<string, string>;
}

/** Parses PROBE_SCRIPT's output; an unreadable fact is an error naming it and what the guest said. */
export function parseProbe(stdout: string, target: string): Probed {
  const raw: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z0-9]+)=(.*)$/.exec(line.trim());
    if (m) raw[m[1]!] = m[2]!;
  }
  const values: Record<string, unknown> = {};
  for (const name of FACT_NAMES) {
    const text = raw[name];
    const value = name === 'kmod' ? Number(text) : name === 'usrMerge' || name === 'ia32Emulation' ? text === 'true' : name === 'sh' && text?.startsWith('busybox') ? 'busybox' : text;
    const parsed = baseFactSchemas[name].safeParse(value);
    if (!parsed.success) throw new Error(`${target}: cannot read the fact ${name} from the guest (it said ${JSON.stringify(text ?? '')})`);
    values[name] = parsed.data;
  }
  return { facts: values as Facts, raw };
}
