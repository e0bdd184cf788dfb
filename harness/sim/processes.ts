// What a release's userland does for a scenario step, as the kernel's audit sees it: which programs are executed
// (by whom, under which path) and which module syscalls they make, with their result; and the modprobe the kernel
// itself starts for module autoloading. kmod's choice of syscall and the kernel's KERN_MODULE record follow from the
// profile's facts. Calibrated against the real guests by test/scenario-library.test.ts (kmod 28/30/34, dash, sudo,
// setpriv, the harness's static loaders).
import type { SyscallArch } from '../audit/syscalls/index.js';
import { AUTOLOAD } from '../images/guest-layout.js';
import { ERRNO } from './filter.js';
import type { SimFs } from './fs.js';
import type { AllFacts, Compression } from '../releases/facts.js';
import type { ModelFacts } from './profile.js';
import { kmodSubcommands } from './kmod-commands.js';

export const UNSET = 4294967295;

export interface SimTask {
  pid: number;
  ppid: number;
  arch: SyscallArch;
  uid: number;
  euid: number;
  auid: number;
  ses: number;
  comm: string;
  exe: string;
  argv: string[];
  /** Started by the kernel itself (the usermode helper of request_module), not by an exec of the step's. */
  byKernel?: true;
}

export interface PathItem {
  name: string;
  /** Absent for a name that does not exist (nametype=UNKNOWN, a failed exec of a PATH candidate). */
  ino?: number;
  mode?: string;
}

export interface SimCall {
  task: SimTask;
  syscall: 'execve' | 'init_module' | 'finit_module' | 'delete_module' | 'socket' | 'socketcall';
  /** 0 or a negative errno name, e.g. EPERM. */
  error?: 'EPERM' | 'ENOENT' | 'EEXIST' | 'EAFNOSUPPORT';
  names: PathItem[];
  /** KERN_MODULE name= (the kernel logs it only once the caller passed the capability check). */
  module?: string;
  /** socketcall's arguments, which the kernel logs as a SOCKETCALL record (audit_socketcall). */
  socketcallArgs?: number[];
}

/**
 * A program the kernel executed itself, with kernel_execve rather than the execve system call: no syscall event,
 * so no rule or watch sees it [S26]. `names` is what an execve of `path` would have named, for saying which watch
 * would have fired.
 */
export interface KernelExec {
  task: SimTask;
  path: string;
  names: PathItem[];
}

export class SimUnsupported extends Error {}

export interface SimWorld {
  fs: SimFs;
  nativeArch: SyscallArch;
  /** Modules loaded now (by their internal name). */
  loaded: Set<string>;
  /** Module file -> internal name; modprobe NAME -> file. */
  moduleFiles: Map<string, string>;
  loader32: string;
  loader64?: string;
  /** `uname -r` */
  release: string;
  /** The profile's release facts: kmod's choice of syscall follows from them. */
  facts: AllFacts;
  /** The profile's facts only the model uses (the kmod layout, sudo's PAM check, kmod's experimental tools, modprobe_path). */
  model: ModelFacts;
  /** modprobe.d's aliases on the guest (alias -> module name), as the images write them. */
  aliases: ReadonlyMap<string, string>;
}

const PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * The parent of the kernel's modprobe: request_module runs it from a kernel worker (umh.c, UMH_WAIT_PROC) [S26]; R11
 * saw ppid=24, a kworker. Which worker it is varies; nothing compares it.
 */
const KERNEL_WORKER_PID = 24;

/** The file an exec of `path` runs, and the PATH items its execve names: item 0 the file, item 1 the name itself. */
function execNames(fs: SimFs, path: string): { real: string; names: PathItem[] } {
  const real = fs.resolve(path);
  const file = fs.entry(real);
  if (!file || file.kind !== 'file') throw new SimUnsupported(`not an executable in the model: ${path}`);
  // item 1 is the symlink when the name is one, else the file again; a dynamic program's interpreter comes last.
  const link = fs.entry(fs.resolveParent(path)) ?? file;
  const names: PathItem[] = [{ name: path, ino: file.ino, mode: file.mode }, { name: path, ino: link.ino, mode: link.mode }];
  if (file.dynamic) {
    const ld = fs.entry(fs.resolve(fs.interpreter))!;
    names.push({ name: fs.interpreter, ino: ld.ino, mode: ld.mode });
  }
  return { real, names };
}

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);
/** An exec's comm: the name it was executed by, cut to TASK_COMM_LEN - 1 (begin_new_exec, kbasename of the filename). */
const commOf = (path: string) => basename(path).slice(0, 15);

/** What a command did: its syscalls in order, and what the kernel executed itself. */
export interface Trace {
  calls: SimCall[];
  kernelExecs: KernelExec[];
}

/** One process; exec replaces its image, fork makes a child. */
class Proc {
  constructor(readonly w: SimWorld, private readonly trace: Trace, public task: SimTask, private readonly pids: { next: number }) {}

  private get calls(): SimCall[] {
    return this.trace.calls;
  }

  fork(): Proc {
    return new Proc(this.w, this.trace, { ...this.task, ppid: this.task.pid, pid: this.pids.next++ }, this.pids);
  }

  /**
   * execve(path, argv): logs the exec; then runs what the program does. Returns its exit status.
   * A bare name is looked up in PATH: with `stat` (dash running a command: it finds the file first, then execs it
   * once) or `execvp` (dash's exec builtin, setpriv: an execve per PATH entry until one works, each miss logged
   * as a failed execve with ENOENT).
   */
  exec(argv: string[], argv0Override?: string, search: 'stat' | 'execvp' = 'stat'): number {
    const word = argv[0]!;
    const fs = this.w.fs;
    let path = word;
    if (!word.includes('/')) {
      const found = PATH.map((d) => `${d}/${word}`).find((p) => fs.exists(p));
      if (!found) throw new SimUnsupported(`command not modelled: ${word}`);
      if (search === 'execvp') {
        for (const miss of PATH.map((d) => `${d}/${word}`).slice(0, PATH.indexOf(found.slice(0, found.lastIndexOf('/'))))) {
          this.calls.push({ task: { ...this.task }, syscall: 'execve', error: 'ENOENT', names: [{ name: miss }] });
        }
      }
      path = found;
    }
    const { real, names } = execNames(fs, path);
    const newArgv = argv0Override ? [argv0Override, ...argv.slice(1)] : argv;
    const base = basename(real);
    const isLoader32 = real === fs.resolve(this.w.loader32);
    // The execve is the caller's syscall: audit takes its arch (and so its number) at syscall entry, from the image
    // that called it; comm and exe are the new image's at exit. Found by the random sample on the real kernel.
    const callerArch = this.task.arch;
    this.task = {
      ...this.task, argv: newArgv, exe: real, comm: commOf(path),
      arch: isLoader32 ? 'i386' : this.w.nativeArch,
    };
    // A setuid-root program (sudo) runs with euid 0 from the exec on.
    if (base === 'sudo') this.task.euid = 0;
    this.calls.push({ task: { ...this.task, arch: callerArch }, syscall: 'execve', names });
    return this.run(base, newArgv, real);
  }

  private module(syscall: SimCall['syscall'], name: string, loading: boolean): number {
    if (this.task.euid !== 0) {
      this.calls.push({ task: { ...this.task }, syscall, error: 'EPERM', names: [] });
      return 1;
    }
    // KERN_MODULE is written once the caller passed the capability check, where the kernel has it (fact kernModule).
    const module = this.w.facts.kernModule ? { module: name } : {};
    if (loading && this.w.loaded.has(name)) {
      this.calls.push({ task: { ...this.task }, syscall, error: 'EEXIST', names: [], ...module });
      return 1;
    }
    if (!loading && !this.w.loaded.has(name)) {
      this.calls.push({ task: { ...this.task }, syscall, error: 'ENOENT', names: [], ...module });
      return 1;
    }
    this.calls.push({ task: { ...this.task }, syscall, names: [], ...module });
    if (loading) this.w.loaded.add(name); else this.w.loaded.delete(name);
    return 0;
  }

  private moduleOfFile(file: string): string {
    const name = this.w.moduleFiles.get(file);
    if (!name) throw new SimUnsupported(`module file not in the model: ${file}`);
    return name;
  }

  /** kmod's syscall for a file follows from the release's facts (harness/releases/facts.ts deriveFacts). */
  private kmodLoad(file: string): number {
    const name = this.moduleOfFile(file);
    const f = this.w.facts;
    const compression = fileCompression(file);
    if (compression === 'none') return this.module(f.koSyscall, name, true);
    if (compression === 'xz') return this.module(f.xzSyscall, name, true);
    if (compression === f.moduleCompression) return this.module(f.distroModuleSyscall, name, true);
    throw new SimUnsupported(`kmod loading ${file}: the profile's facts say nothing of a ${compression} module on a kernel that ships ${f.moduleCompression} (facts moduleCompression, kernelDecompression)`);
  }

  /**
   * modprobe [-q] [-r] [--] NAME: the steps' `modprobe NAME` and `modprobe -r NAME`, and the kernel's `-q -- NAME`.
   * NAME may be an alias of modprobe.d. A module already loaded (or, with -r, not loaded) makes no syscall.
   */
  private modprobe(args: string[]): number {
    let remove = false;
    let i = 0;
    for (; i < args.length && args[i]!.startsWith('-'); i++) {
      if (args[i] === '--') { i++; break; }
      if (args[i] === '-r') remove = true;
      else if (args[i] !== '-q') throw new SimUnsupported(`modprobe's option ${args[i]}`);
    }
    const word = args[i];
    if (word === undefined) throw new SimUnsupported(`modprobe ${args.join(' ')}`);
    const name = this.w.aliases.get(word) ?? word;
    if (remove) return this.w.loaded.has(name) ? this.module('delete_module', name, false) : 0;
    const file = [...this.w.moduleFiles].find(([, n]) => n === name)?.[0];
    if (!file) throw new SimUnsupported(`modprobe ${word}`);
    return this.w.loaded.has(name) ? 0 : this.kmodLoad(file);
  }

  /**
   * socket(FAMILY, SOCK_DGRAM, 0), as the loader calls it. For a family no module has registered the kernel asks for
   * net-pf-FAMILY (request_module) before failing with EAFNOSUPPORT, whoever the caller is [S25]; the loader exits
   * with the errno, 97 [R11]. The model knows one such family, the one the guest's modprobe.d aliases (AUTOLOAD).
   */
  private socket(family: number): number {
    if (family !== AUTOLOAD.family) throw new SimUnsupported(`socket() of address family ${family} (the model knows family ${AUTOLOAD.family} only)`);
    // The kernel's modprobe runs, and is waited for, inside the socket() call: its load is logged first.
    this.requestModule(`net-pf-${family}`);
    // The 32-bit loader is linked with the host's glibc 2.36 (harness/images/compile.ts, gcc -m32 -static), whose i386
    // socket() is socketcall(SYS_SOCKET, args) (objdump of the build: int 0x80 with eax 102, ebx 1): glibc still
    // supports i386 kernels older than 4.3, which have no socket syscall of their own. The kernel logs socketcall's
    // arguments as a SOCKETCALL record (audit_socketcall in net/socket.c and net/compat.c).
    const socketcall = this.task.arch === 'i386';
    this.calls.push({
      task: { ...this.task }, syscall: socketcall ? 'socketcall' : 'socket', error: 'EAFNOSUPPORT', names: [],
      ...(socketcall ? { socketcallArgs: [family, 2, 0] } : {}),
    });
    return ERRNO.EAFNOSUPPORT;
  }

  /**
   * request_module(NAME) [S26]: a kernel worker starts the kernel's modprobe_path (profile fact modprobePath) as
   * `modprobe -q -- NAME` with kernel_execve, not the execve system call: no event of its exec, so no execve rule and
   * no watch sees it [S26, R11]. The new task has no login session (auid and ses unset, tty none), is root, and runs
   * the kernel's own arch whatever the caller's [R11: comm modprobe, exe /usr/bin/kmod, auid and ses unset, for root
   * and for uid 1000 alike]. Its modprobe then loads what the alias names, as `modprobe` of it would.
   */
  private requestModule(name: string): void {
    const path = this.w.model.modprobePath;
    const { real, names } = execNames(this.w.fs, path);
    const argv = [path, '-q', '--', name];
    const task: SimTask = {
      pid: this.pids.next++, ppid: KERNEL_WORKER_PID, arch: this.w.nativeArch, uid: 0, euid: 0, auid: UNSET, ses: UNSET,
      comm: commOf(path), exe: real, argv, byKernel: true,
    };
    this.trace.kernelExecs.push({ task: { ...task }, path, names });
    new Proc(this.w, this.trace, task, this.pids).run(basename(real), argv, real);
  }

  private run(base: string, argv: string[], exe: string): number {
    const fs = this.w.fs;
    if (exe === fs.resolve(this.w.loader32) || (this.w.loader64 && exe === fs.resolve(this.w.loader64))) {
      const [, call, arg] = argv;
      if (call === 'init_module' || call === 'finit_module') {
        // The loader passes the file as it is: what a kernel does with compressed bytes is not modelled.
        if (fileCompression(arg!) !== 'none') throw new SimUnsupported(`the loader's ${call} of a compressed module file (${arg})`);
        return this.module(call, this.moduleOfFile(arg!), true);
      }
      if (call === 'delete_module') return this.module('delete_module', arg!, false);
      if (call === 'socket') return this.socket(Number(arg));
      throw new SimUnsupported(`loader call ${call}`);
    }
    switch (base) {
      case 'kmod': {
        const tool = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
        if (tool === 'insmod') return this.kmodLoad(argv[1]!);
        if (tool === 'rmmod') return this.w.loaded.has(argv[1]!) || this.task.euid !== 0 ? this.module('delete_module', argv[1]!, false) : 1;
        if (tool === 'modprobe') return this.modprobe(argv.slice(1));
        // kmod under its own name: a subcommand of its table for this version and build (kmod-commands.ts), else
        // "invalid command" with status 1 and no module syscall (`kmod insmod` on every version; measured on kmod 28/30/34).
        const sub = argv[1];
        if (sub === undefined) return 1;
        if (sub.startsWith('-')) throw new SimUnsupported(`kmod's options (${argv.join(' ')})`);
        if (!kmodSubcommands(this.w.facts.kmod, this.w.model.kmodExperimental).includes(sub)) return 1;
        throw new SimUnsupported(`kmod ${sub} (a subcommand of kmod ${this.w.facts.kmod}, not modelled)`);
      }
      case 'dash':
      case 'bash':
        if (argv[1] !== '-c' || argv[2] === undefined) throw new SimUnsupported(`${argv.join(' ')}`);
        return this.shell(argv[2]);
      case 'setpriv': {
        const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-'));
        const reuid = argv.find((a) => a.startsWith('--reuid='))?.slice(8);
        if (reuid !== undefined) this.task = { ...this.task, uid: Number(reuid), euid: Number(reuid) };
        return this.exec(argv.slice(i), undefined, 'execvp');
      }
      case 'sudo': {
        const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-'));
        // Where the release's PAM says so (profile fact sudoExecsUnixChkpwd), sudo's account check runs the helper.
        if (this.w.model.sudoExecsUnixChkpwd) {
          const helper = this.fork();
          helper.task = { ...helper.task, uid: 0, euid: 0 };
          helper.exec(['/usr/sbin/unix_chkpwd', this.task.uid === 1000 ? 'tester' : 'root', 'chkexpiry']);
        }
        const child = this.fork();
        child.task = { ...child.task, uid: 0, euid: 0 };
        return child.exec(argv.slice(i));
      }
      case 'unix_chkpwd':
        return 0;
      case 'mkdir':
        for (const a of argv.slice(1)) if (!a.startsWith('-')) fs.mkdir(a);
        return 0;
      case 'ln':
        fs.symlink(argv[argv.length - 1]!, argv[argv.length - 2]!);
        return 0;
      default:
        throw new SimUnsupported(`program not modelled: ${exe}`);
    }
  }

  /**
   * The shell scripts the harness's steps use: simple commands joined by &&, `exec [-a NAME] CMD`, a redirection
   * of echo to /proc/self/loginuid, $(uname -r). The last command of `sh -c` is exec'd, not forked (dash, bash).
   */
  shell(script: string): number {
    const commands = parsedScript(script.replace(/\$\(uname -r\)/g, this.w.release));
    let status = 0;
    for (const [i, words] of commands.entries()) {
      const last = i === commands.length - 1;
      if (words[0] === 'echo' && words[words.length - 2] === '>' && words[words.length - 1] === '/proc/self/loginuid') {
        this.task = { ...this.task, auid: Number(words[1]), ses: 1 };
        continue;
      }
      if (words[0] === 'exec') {
        if (words[1] === '-a') return this.exec(words.slice(3), words[2], 'execvp');
        return this.exec(words.slice(1), undefined, 'execvp');
      }
      status = last ? this.exec(words) : this.fork().exec(words);
      if (status !== 0) return status;
    }
    return status;
  }
}

const EXTENSIONS: Record<string, Compression> = { '.ko': 'none', '.ko.xz': 'xz', '.ko.zst': 'zstd', '.ko.gz': 'gzip' };

function fileCompression(file: string): Compression {
  const ext = Object.keys(EXTENSIONS).find((e) => file.endsWith(e));
  if (!ext) throw new SimUnsupported(`not a module file: ${file}`);
  return EXTENSIONS[ext]!;
}

const AND = '\0&&';

/** A script's commands, parsed once (the library and the battery run the same few scripts on every profile). */
const scripts = new Map<string, string[][]>();
function parsedScript(script: string): string[][] {
  let hit = scripts.get(script);
  if (!hit) {
    if (scripts.size > 4096) scripts.clear();
    hit = splitAnd(shellWords(script));
    scripts.set(script, hit);
  }
  return hit;
}

function splitAnd(words: string[]): string[][] {
  const out: string[][] = [[]];
  for (const w of words) {
    if (w === AND) out.push([]);
    else out[out.length - 1]!.push(w);
  }
  return out;
}

/** Splits a shell command into words: spaces separate, single quotes (with '\'' escapes) group. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SimUnsupported(`unterminated quote in ${text}`);
      cur = (cur ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < text.length) {
      cur = (cur ?? '') + text[++i];
    } else if (c === ' ' || c === '\n' || c === '\t') {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === '&' && text[i + 1] === '&') {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
      words.push(AND);
      i++;
    } else if ('"$`;|&<(){}*?'.includes(c)) {
      throw new SimUnsupported(`shell syntax not modelled: ${c} in ${text}`);
    } else cur = (cur ?? '') + c;
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/**
 * Runs a step's command line the way the harness does: the marker shell (root, auid unset) forks and runs it.
 * `command` is what stepCommand gives (already wrapped for sudo/user). Returns the exit status, the calls and what the
 * kernel executed itself.
 */
export function simulateCommand(w: SimWorld, command: string): { status: number } & Trace {
  const trace: Trace = { calls: [], kernelExecs: [] };
  const shell = new Proc(w, trace, { pid: 200, ppid: 199, arch: w.nativeArch, uid: 0, euid: 0, auid: UNSET, ses: UNSET, comm: 'sh', exe: '/usr/bin/dash', argv: ['sh', '-c', command] }, { next: 201 });
  const status = shell.fork().shell(command);
  return { status, ...trace };
}
