// Regenerates lookup-tables.json from audit-userspace's own table headers, the way its build does:
// compile each `_S(value, "name")` header against the system headers and print value/name pairs.
// Usage: npx tsx harness/audit/records/interpret/gen-tables.ts DIR
// DIR is audit-userspace 3.0.9's source: Debian's audit_3.0.9.orig.tar.gz unpacked (docs/SOURCES.md [S24];
// harness/reference/audit-source.ts fetches and checks it into <cache>/sources/, and
// test/generated-tables.test.ts checks the committed file against it). A checkout of the v3.0.9 tag has the same
// headers. Needs gcc and the Linux UAPI headers (scripts/setup.sh); strerror's text is the host glibc's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../../paths.js';

// table name -> header relative to the source tree
const HEADERS: Record<string, string> = {
  access: 'auparse/accesstab.h',
  bpf: 'auparse/bpftab.h',
  cap: 'auparse/captab.h',
  clock: 'auparse/clocktab.h',
  cloneFlag: 'auparse/clone-flagtab.h',
  epollCtl: 'auparse/epoll_ctl.h',
  fam: 'auparse/famtab.h',
  fcntlCmd: 'auparse/fcntl-cmdtab.h',
  pathFlag: 'auparse/flagtab.h',
  icmpType: 'auparse/icmptypetab.h',
  inetHook: 'auparse/inethooktab.h',
  ioctlReq: 'auparse/ioctlreqtab.h',
  ip6OptName: 'auparse/ip6optnametab.h',
  ipcCmd: 'auparse/ipccmdtab.h',
  ipc: 'auparse/ipctab.h',
  ipOptName: 'auparse/ipoptnametab.h',
  mmap: 'auparse/mmaptab.h',
  mount: 'auparse/mounttab.h',
  netAction: 'auparse/netactiontab.h',
  nfProto: 'auparse/nfprototab.h',
  openFlag: 'auparse/open-flagtab.h',
  openat2Resolve: 'auparse/openat2-resolvetab.h',
  person: 'auparse/persontab.h',
  pktOptName: 'auparse/pktoptnametab.h',
  prctlOpt: 'auparse/prctl-opt-tab.h',
  prot: 'auparse/prottab.h',
  ptrace: 'auparse/ptracetab.h',
  recv: 'auparse/recvtab.h',
  rlimit: 'auparse/rlimittab.h',
  sched: 'auparse/schedtab.h',
  seccomp: 'auparse/seccomptab.h',
  seek: 'auparse/seektab.h',
  shmMode: 'auparse/shm_modetab.h',
  signal: 'auparse/signaltab.h',
  sockLevel: 'auparse/sockleveltab.h',
  sockOptName: 'auparse/sockoptnametab.h',
  sock: 'auparse/socktab.h',
  sockType: 'auparse/socktypetab.h',
  tcpOptName: 'auparse/tcpoptnametab.h',
  umount: 'auparse/umounttab.h',
  err: 'lib/errtab.h',
  list: 'lib/flagtab.h',
  ftype: 'lib/ftypetab.h',
  // syscall names of the machines the project has no ausyscall-generated table for
  syscallsAarch64: 'lib/aarch64_table.h',
  syscallsArm: 'lib/arm_table.h',
  syscallsPpc: 'lib/ppc_table.h',
  syscallsS390: 'lib/s390_table.h',
  syscallsS390x: 'lib/s390x_table.h',
};

const PRELUDE = `
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <linux/net.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/if_packet.h>
#include <sys/mman.h>
/* ipc(2) call numbers (asm/ipc.h), as interpret.c defines them */
#define SEMOP 1
#define SEMGET 2
#define SEMCTL 3
#define SEMTIMEDOP 4
#define MSGSND 11
#define MSGRCV 12
#define MSGGET 13
#define MSGCTL 14
#define SHMAT 21
#define SHMDT 22
#define SHMGET 23
#define SHMCTL 24
#define DIPC 25
`;

/** What lookup-tables.json says first: it is generated, and the command that made it. */
export const GENERATED_BY =
  'harness/audit/records/interpret/gen-tables.ts (npx tsx harness/audit/records/interpret/gen-tables.ts DIR, DIR a checkout of audit-userspace v3.0.9)';

/**
 * Compiles a program that prints, for each header of `headers` (relative to the source tree `src`), an `@table`
 * line and one `value<TAB>name` line per `_S(value, "name")` entry, in header order; `extra` is C code appended to
 * main that prints sections of its own the same way. Returns each section's lines as [value, name] text pairs.
 */
export function headerTables(src: string, headers: Record<string, string>, prelude: string, extra = ''): Map<string, Array<[string, string]>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gen-interpret-'));
  try {
    let c = prelude + 'int main(void) {\n';
    for (const [name, header] of Object.entries(headers)) {
      c += `printf("@${name}\\n");\n#define _S(v, s) printf("%lld\\t%s\\n", (long long)(v), s);\n#include "${path.join(src, header)}"\n#undef _S\n`;
    }
    c += extra + 'return 0; }\n';
    writeFileSync(path.join(dir, 'gen.c'), c);
    execFileSync('gcc', ['-o', path.join(dir, 'gen'), path.join(dir, 'gen.c')], { stdio: 'inherit' });
    const out = execFileSync(path.join(dir, 'gen'), { encoding: 'utf8' });
    const tables = new Map<string, Array<[string, string]>>();
    let cur: Array<[string, string]> | undefined;
    for (const line of out.split('\n')) {
      if (!line) continue;
      if (line.startsWith('@')) {
        tables.set(line.slice(1), (cur = []));
        continue;
      }
      const tab = line.indexOf('\t');
      cur!.push([line.slice(0, tab), line.slice(tab + 1)]);
    }
    return tables;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the script writes the tables (in the sources, also when run from dist/). */
export const lookupTablesFile = path.join(repoRoot, 'harness/audit/records/interpret/lookup-tables.json');

/** The text of lookup-tables.json from the source tree `src`, ending in a newline as the committed file does. */
export function lookupTablesJson(src: string): string {
  // TTY key names (print_tty_data): sequence bytes as hex, then the name
  let extra = 'printf("@ttyKeys\\n");\n#define E(seq, name) { const unsigned char *q = (const unsigned char *)seq; for (size_t i = 0; i < strlen(seq); i++) printf("%02x", q[i]); printf("\\t%s\\n", name); }\n';
  extra += `#include "${path.join(src, 'auparse/tty_named_keys.h')}"\n#undef E\n`;
  // glibc's strerror text for every errno the table names
  extra += 'printf("@strerror\\n"); for (int i = 0; i < 256; i++) printf("%d\\t%s\\n", i, strerror(i));\n';
  const tables: Record<string, Array<[number | string, string]>> = {};
  for (const [name, pairs] of headerTables(src, HEADERS, PRELUDE, extra)) {
    tables[name] = pairs.map(([key, value]) => [name === 'ttyKeys' ? key : Number(key), value]);
  }
  return JSON.stringify({ generatedBy: GENERATED_BY, source: 'audit-userspace v3.0.9 table headers', tables }, null, 0) + '\n';
}

/**
 * A generator's command line, `npx tsx SCRIPT SOURCE_DIR`: writes `file` from `textOf(SOURCE_DIR)`. Does nothing
 * unless the module at `moduleUrl` was run as the script (never on import).
 */
export function generatorMain(moduleUrl: string, file: string, textOf: (src: string) => string): void {
  const script = fileURLToPath(moduleUrl);
  if (!process.argv[1] || path.resolve(process.argv[1]) !== script) return;
  const src = process.argv[2];
  if (!src) {
    console.error(`usage: ${path.basename(script)} AUDIT_USERSPACE_SOURCE_DIR`);
    process.exit(2);
  }
  writeFileSync(file, textOf(path.resolve(src)));
  console.log(`wrote ${file}`);
}

generatorMain(import.meta.url, lookupTablesFile, lookupTablesJson);
