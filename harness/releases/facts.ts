// The facts of a release that decide what a module-loading rule logs. One vocabulary for the image recipes
// (vms/qemu/*.yaml: facts read from the release's packages, each with its source), the simulator's profiles and
// what a booted guest reports about itself (probe.ts). Scenarios condition expectations on these names (`when:`).
import { z } from 'zod';

export const compression = z.enum(['none', 'xz', 'zstd', 'gzip']);
export type Compression = z.infer<typeof compression>;
export const moduleSyscall = z.enum(['init_module', 'finit_module']);
export type ModuleSyscall = z.infer<typeof moduleSyscall>;

/** Facts a release states (recipe, profile) and a guest can report (probe). */
export const baseFactSchemas = {
  /** `uname -m` of the kernel. */
  arch: z.enum(['x86_64', 'i686']),
  /** Kernel version: `uname -r` on a guest, "major.minor" where read from a package. */
  kernel: z.string().regex(/^\d+\.\d+/, 'a kernel version such as 6.1 or 6.1.0-28-cloud-amd64'),
  /** kmod's major version (`kmod --version`). */
  kmod: z.number().int().positive(),
  /** How the kernel package ships its own modules (.ko, .ko.xz, .ko.zst, .ko.gz). */
  moduleCompression: compression,
  /** What the kernel decompresses itself: /sys/module/compression (CONFIG_MODULE_DECOMPRESS), else none. */
  kernelDecompression: compression,
  /** /bin, /sbin and /lib are symlinks into /usr. */
  usrMerge: z.boolean(),
  /** What /bin/sh is. */
  sh: z.enum(['dash', 'bash', 'busybox']),
  /** `auditctl -v`. */
  auditd: z.string().regex(/^\d+\.\d+/),
  /** auditd.conf's log_format as the package ships it. */
  logFormat: z.enum(['RAW', 'ENRICHED']),
  /** A 64-bit kernel runs 32-bit programs (CONFIG_IA32_EMULATION, not disabled by default); false on i686 kernels. */
  ia32Emulation: z.boolean(),
} as const;

export type FactName = keyof typeof baseFactSchemas;
export const FACT_NAMES = Object.keys(baseFactSchemas) as FactName[];
export type Facts = { [K in FactName]: z.infer<(typeof baseFactSchemas)[K]> };

/**
 * Facts of the running kernel that no package says: measured on a booted guest (probe.ts) and stated by the
 * simulator's profiles. The image recipes (vms/qemu) do not state them: a recipe's text is its image's cache key.
 */
export const kernelFactSchemas = {
  /**
   * The kernel writes a KERN_MODULE record (name=) for init_module, finit_module and delete_module: load_module and
   * delete_module call __audit_log_kern_module (kernel/auditsc.c) since Linux 4.11 (commit ca86cad7380e3 "audit: log
   * module name on init_module"); distributions' older kernels may have it backported (RHEL 7.7's 3.10.0-1062 has it).
   */
  kernModule: z.boolean(),
} as const;

export type KernelFactName = keyof typeof kernelFactSchemas;
export const KERNEL_FACT_NAMES = Object.keys(kernelFactSchemas) as KernelFactName[];
export type KernelFacts = { [K in KernelFactName]: z.infer<(typeof kernelFactSchemas)[K]> };
/** What a booted guest reports about itself (probe.ts), and what a simulator profile states. */
export type GuestFacts = Facts & KernelFacts;
export type GuestFactName = FactName | KernelFactName;
export const GUEST_FACT_NAMES: readonly GuestFactName[] = [...FACT_NAMES, ...KERNEL_FACT_NAMES];
export const guestFactSchemas = { ...baseFactSchemas, ...kernelFactSchemas } as const;

/**
 * A stated fact: its value and where it was read from. `calibrated` = checked against a real target by a test in CI;
 * `modelled` = read, not measured here (the simulator's profiles of releases that cannot boot here).
 */
const stated = <T extends z.ZodType>(value: T) =>
  z.object({
    value,
    source: z.string().min(3).describe('where the fact was read or measured: package version, kernel config, commit, release notes'),
    status: z.enum(['calibrated', 'modelled']).optional(),
  }).strict();

const b = baseFactSchemas;
export const statedFactsSchema = z.object({
  arch: stated(b.arch), kernel: stated(b.kernel), kmod: stated(b.kmod), moduleCompression: stated(b.moduleCompression),
  kernelDecompression: stated(b.kernelDecompression), usrMerge: stated(b.usrMerge), sh: stated(b.sh), auditd: stated(b.auditd),
  logFormat: stated(b.logFormat), ia32Emulation: stated(b.ia32Emulation),
}).strict();
export type StatedFacts = z.infer<typeof statedFactsSchema>;

/** What a simulator profile states: the release's facts and its kernel's, each with its source. */
export const statedGuestFactsSchema = statedFactsSchema.extend({ kernModule: stated(kernelFactSchemas.kernModule) }).strict();
export type StatedGuestFacts = z.infer<typeof statedGuestFactsSchema>;

/** The values of stated facts (a recipe's or a profile's), without their sources. */
export function factValues<S extends { [name: string]: { value: unknown } }>(s: S): { [K in keyof S]: S[K]['value'] } {
  return Object.fromEntries(Object.entries(s).map(([n, f]) => [n, f.value])) as { [K in keyof S]: S[K]['value'] };
}

/**
 * Facts that follow from the others, by the rules of kmod's source (see the sources on each).
 * Scenarios may condition on these too; they are what a reader of a finding wants named.
 */
export interface DerivedFacts {
  /** The syscall kmod's insmod/modprobe makes for an uncompressed .ko: finit_module since kmod 13 (commit 144d182). */
  koSyscall: ModuleSyscall;
  /**
   * The syscall for a .ko.xz: before kmod 31 kmod decompresses it and calls init_module; from kmod 31 (commit 09c9f8c,
   * "libkmod: Use kernel decompression when available") it hands the file to finit_module when the kernel decompresses
   * that format itself (/sys/module/compression), else init_module.
   */
  xzSyscall: ModuleSyscall;
  /** The same for a module compressed as the release ships its own (moduleCompression). */
  distroModuleSyscall: ModuleSyscall;
}

export type AllFacts = GuestFacts & DerivedFacts;
export type AnyFactName = keyof AllFacts;

function kmodSyscallFor(file: Compression, f: Pick<Facts, 'kmod' | 'kernelDecompression'>): ModuleSyscall {
  if (f.kmod < 13) return 'init_module';
  if (file === 'none') return 'finit_module';
  return f.kmod >= 31 && f.kernelDecompression === file ? 'finit_module' : 'init_module';
}

export function deriveFacts(f: GuestFacts): AllFacts {
  return {
    ...f,
    koSyscall: kmodSyscallFor('none', f),
    xzSyscall: kmodSyscallFor('xz', f),
    distroModuleSyscall: kmodSyscallFor(f.moduleCompression, f),
  };
}

export const DERIVED_FACT_NAMES: readonly (keyof DerivedFacts)[] = ['koSyscall', 'xzSyscall', 'distroModuleSyscall'];
export const ALL_FACT_NAMES: readonly AnyFactName[] = [...GUEST_FACT_NAMES, ...DERIVED_FACT_NAMES];
