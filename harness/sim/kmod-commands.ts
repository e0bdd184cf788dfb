// What `kmod NAME ...` accepts when kmod runs under its own name. kmod looks NAME up in its own command table
// (tools/kmod.c, kmod_cmds[]) and answers anything else with "invalid command 'NAME'" and exit status 1, before any
// module syscall. insmod, rmmod and modprobe are never in that table: kmod reaches them only through argv[0] (the
// symlinks, kmod_compat_cmds[]), so `kmod insmod` fails on every kmod version. Read in kmod-project/kmod at each tag
// (docs/SOURCES.md [S20]):
//   help, list       v3 and later
//   static-nodes     v14 and later (commit db6f2fc "tools: add static-nodes tool")
//   insert, remove   v21 (commit 0376188 "tools: add basic versions of insert and remove") to v31, and only in a build
//                    configured with --enable-experimental; removed in v32 (commit dc2440e "Remove unmaintained
//                    experimental tools")

/** The kmod versions whose source has the experimental insert/remove subcommands (built only on request). */
export const KMOD_EXPERIMENTAL_TOOLS = { first: 21, last: 31 } as const;

/** The subcommands `kmod NAME` knows for this kmod version and build. */
export function kmodSubcommands(kmod: number, experimental: boolean): string[] {
  const names = kmod >= 3 ? ['help', 'list'] : [];
  if (kmod >= 14) names.push('static-nodes');
  if (experimental && kmod >= KMOD_EXPERIMENTAL_TOOLS.first && kmod <= KMOD_EXPERIMENTAL_TOOLS.last) names.push('insert', 'remove');
  return names;
}
