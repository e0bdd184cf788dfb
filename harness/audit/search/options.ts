import { readFileSync } from 'node:fs';
// ausearch's command line (src/ausearch-options.c in audit-userspace 3.0.9), the subset this
// project uses. Parsed the way ausearch does it: an option's argument is the next word unless
// that word starts with '-', and errors print ausearch's own messages.
import { ERANGE, strtol, strtoul, toInt, toUint } from '../records/interpret/cnum.js';
import { recordTypeName, recordTypeNumber } from '../records/record-types.js';
import { elfOfMachineName, knownElf, syscallNumberOn } from '../records/interpret/arch.js';
import { T } from '../records/interpret/tables.js';
import { AUDIT_ARCH } from '../syscalls/index.js';
import { SESSION_UNSET } from './items.js';
import { parseSearchTime, TimeError } from './time.js';
import { AUSEARCH_USAGE } from './usage.js';

export type ReportFormat = 'raw' | 'default' | 'interpret' | 'csv' | 'text';

export interface SearchOptions {
  inputFile?: string;
  /** --input-logs: read the system's logs even from a pipe (the harness never does; with -if it is ignored). */
  inputLogs?: boolean;
  format: ReportFormat;
  key?: string;
  exact: boolean;
  messageTypes?: number[];
  syscall?: number;
  /**
   * ausearch's event_machine, as the ELF arch of the machine: set by --arch, or by -sc NAME (the host's,
   * x86_64); events then match only when a parser read an arch= of that machine.
   */
  machine?: number;
  /** -c/--comm and -x/--executable, as the bytes the log holds them (latin1 of argv's UTF-8). */
  comm?: string;
  exe?: string;
  /** -f/--file, as bytes like -c: matched against the names and cwd the parsers read (match.ts). */
  file?: string;
  /** --session: a uint32; 4294967294 (-2) is ausearch's "not given". */
  session?: number;
  /** -e/--exit: a long long, compared with SYSCALL's exit= (strtoll base 0). */
  exit?: bigint;
  pid?: number;
  ppid?: number;
  uid?: number;
  euid?: number;
  loginuid?: number;
  uidAll: boolean;
  /**
   * Names given to -ui, -ue, -ul or -ua (ausearch's event_tuid, event_teuid, event_tauid): when any
   * is set, users match by the name ausearch gives each record's uid, and the numbers are not compared.
   */
  uidName?: string;
  euidName?: string;
  loginuidName?: string;
  /** -gi/-ge (gid_t; 4294967295 is "not given"); -ga sets both and ORs them (event_ga). */
  gid?: number;
  egid?: number;
  gidAll?: boolean;
  /** -tm, -hn, -uu, -vm: substrings (whole with -w) of the values the parsers read; -n: node names compared whole (strcmp). */
  terminal?: string;
  hostname?: string;
  uuid?: string;
  vmname?: string;
  nodes?: string[];
  /** -su and -o: substrings of the subject and object contexts read; -se sets both and ORs them (event_se). */
  subject?: string;
  object?: string;
  contextOr?: boolean;
  success?: 'yes' | 'no';
  startTime?: number;
  endTime?: number;
  eventId?: number;
  justOne: boolean;
  lineBuffered: boolean;
  eoeTimeout?: number;
  /** --extra-keys, --extra-labels, --extra-obj2, --extra-time: more --format csv columns. */
  extra: { keys: boolean; labels: boolean; obj2: boolean; time: boolean };
}

export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
  }
}

/** -v/--version, -h/--help: ausearch prints this on stdout and exits (0) where the option stands. */
export class OptionsExit extends Error {
  constructor(readonly stdout: string, readonly status = 0) {
    super('exit');
  }
}

const NAMES: Record<string, string> = {
  '-v': 'version', '--version': 'version', '-h': 'help', '--help': 'help', '--input-logs': 'input-logs',
  '-if': 'input', '--input': 'input', '-k': 'key', '--key': 'key', '-m': 'message', '--message': 'message',
  '-sc': 'syscall', '--syscall': 'syscall', '-p': 'pid', '--pid': 'pid', '-pp': 'ppid', '--ppid': 'ppid',
  '-ui': 'uid', '--uid': 'uid', '-ue': 'euid', '--uid-effective': 'euid', '-ua': 'uid-all', '--uid-all': 'uid-all',
  '-ul': 'loginuid', '--loginuid': 'loginuid', '-sv': 'success', '--success': 'success', '-ts': 'start',
  '--start': 'start', '-te': 'end', '--end': 'end', '-i': 'interpret', '--interpret': 'interpret', '-r': 'raw',
  '--raw': 'raw', '--format': 'format', '-w': 'word', '--word': 'word', '-a': 'event', '--event': 'event',
  '--just-one': 'just-one', '-l': 'line-buffered', '--line-buffered': 'line-buffered', '--eoe-timeout': 'eoe-timeout',
  '-c': 'comm', '--comm': 'comm', '-x': 'exe', '--executable': 'exe', '--session': 'session', '-e': 'exit',
  '--exit': 'exit', '--arch': 'arch', '-gi': 'gid', '--gid': 'gid', '-ge': 'egid', '--gid-effective': 'egid',
  '-ga': 'gid-all', '--gid-all': 'gid-all', '-tm': 'terminal', '--terminal': 'terminal', '-hn': 'hostname',
  '--host': 'hostname', '-uu': 'uuid', '--uuid': 'uuid', '-vm': 'vmname', '--vm-name': 'vmname', '-n': 'node', '--node': 'node',
  '-se': 'context', '--context': 'context', '-su': 'subject', '--subject': 'subject', '-o': 'object', '--object': 'object',
  '-f': 'file', '--file': 'file',
  '--extra-keys': 'extra', '--extra-labels': 'extra', '--extra-obj2': 'extra', '--extra-time': 'extra',
};

/** What ausearch lists after a bad -m: names from USER (1005) to the last virt type, skipping 1007-1099. */
function validTypeNames(): string[] {
  const out: string[] = [];
  for (let i = 1005; i <= 2999; i++) {
    if (i === 1007) i = 1100;
    const name = recordTypeName(i);
    if (name) out.push(name);
  }
  return out;
}

function validTypesMessage(): string {
  return `Valid message types are: ALL ${validTypeNames().join(' ')} \n`;
}

const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function isDigit(s: string | undefined): boolean {
  return !!s && s.charCodeAt(0) >= 0x30 && s.charCodeAt(0) <= 0x39;
}

/** getpwnam(3) on /etc/passwd (getgrnam on /etc/group, whose gid is in the same place): the id of a name, undefined when there is none. */
export function uidOfName(name: string, passwd = '/etc/passwd'): number | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 3 && /^\d+$/.test(f[2]!)) return Number(f[2]);
  }
  return undefined;
}

const gidOfName = (name: string) => uidOfName(name, '/etc/group');

const UID_UNSET = 0xffffffff;
const LOGINUID_UNSET = 0xfffffffe;

/** audit_determine_machine: b64/b32 (of this x86_64 host), a machine name, else a hex ELF arch libaudit knows. */
function determineMachine(a: string): number | undefined {
  const lower = asciiLower(a);
  if (lower === 'b64') return AUDIT_ARCH.x86_64;
  if (lower === 'b32') return AUDIT_ARCH.i386;
  const named = elfOfMachineName(a);
  if (named !== undefined) return named;
  const n = strtoul(a, 16);
  if (n === ERANGE) return undefined;
  const elf = toUint(n); // into an unsigned int
  return knownElf(elf) ? elf : undefined;
}

/** audit_name_to_errno: an errno name, upper-cased as libaudit's table does, negated by a leading '-'; 0 when unknown. */
function errnoOfName(a: string): number {
  const neg = a.startsWith('-');
  const v = T.errByName.get(asciiUpper(neg ? a.slice(1) : a)) ?? 0;
  return neg ? -v : v;
}

/** argv as the bytes C compares: Node decoded it as UTF-8, logs are read as latin1. */
const asLogBytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** strtoul/strtol on the leading digits, as C does. */
function leadingInt(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? Number(m[0]) : 0;
}

/**
 * Parses ausearch arguments (without the program name). Throws OptionsError carrying ausearch's
 * stderr text (the caller prints it and exits 1, as ausearch does).
 */
export function parseSearchOptions(argv: string[], now: Date = new Date()): SearchOptions {
  const o: SearchOptions = { format: 'default', exact: false, uidAll: false, justOne: false, lineBuffered: false,
    extra: { keys: false, labels: false, obj2: false, time: false } };
  const errors: string[] = [];
  const fail = (msg: string) => {
    errors.push(msg);
  };
  if (argv.length < 1) throw new OptionsExit(AUSEARCH_USAGE, 1);
  let c = 0;
  while (c < argv.length && errors.length === 0) {
    const word = argv[c]!;
    const next = argv[c + 1];
    const name = NAMES[word];
    // -ul, --session and -e take the next word even when it starts with '-' (ausearch: -ul -1 is the unset auid).
    const anyNext = name === 'loginuid' || name === 'session' || name === 'exit';
    const optarg = next !== undefined && (!next.startsWith('-') || anyNext) ? next : undefined;
    const needArg = (): string | undefined => {
      if (optarg === undefined) fail(`Argument is required for ${word}\n`);
      return optarg;
    };
    switch (name) {
      case 'input': {
        const a = needArg();
        if (a !== undefined) { o.inputFile = a; c++; }
        break;
      }
      case 'key': {
        const a = needArg();
        if (a !== undefined) { o.key = a; c++; }
        break;
      }
      case 'message': {
        const a = needArg();
        // a missing type is also answered with the list of valid names
        if (a === undefined) { fail(validTypesMessage()); break; }
        c++;
        if (a.toUpperCase() === 'ALL') break;
        // ausearch keeps the types before a bad one (and then stops with the list of valid names).
        for (const part of a.split(',').filter((p) => p.length > 0)) {
          // libaudit's name lookup upper-cases the name first (msg_type table is --uppercase)
          const n = isDigit(part) ? leadingInt(part) : recordTypeNumber(asciiUpper(part));
          if (n < 0) {
            fail(validTypesMessage());
            break;
          }
          (o.messageTypes ??= []).push(n);
        }
        break;
      }
      case 'syscall': {
        const a = needArg();
        if (a === undefined) break;
        if (isDigit(a)) {
          // (int)strtoul: -1 (4294967295) is ausearch's "not given"; kept as the u32 the parsers read
          const n = strtoul(a, 10);
          if (n === ERANGE) {
            fail(`Syscall numeric conversion error (Numerical result out of range) for ${a}\n`);
            break;
          }
          o.syscall = toInt(n) === -1 ? undefined : toUint(n);
        } else {
          // a name is looked up on --arch's machine, else the host's
          o.machine ??= AUDIT_ARCH.x86_64;
          // libaudit's syscall lookup lower-cases the name first (syscall tables are --lowercase)
          const n = syscallNumberOn(o.machine, asciiLower(a));
          if (n === undefined) fail(`Syscall ${a} not found\n`);
          else o.syscall = n;
        }
        c++;
        break;
      }
      case 'pid': case 'ppid': {
        const a = needArg();
        if (a === undefined) break;
        if (isDigit(a)) {
          // strtol into a pid_t: 32 bits kept, and -1 is ausearch's "not given"; past LONG_MAX, ERANGE
          // makes ausearch exit 1 without a word.
          const n = strtol(a, 10);
          if (n === ERANGE) {
            fail('');
            break;
          }
          const v = toInt(n);
          if (v !== -1) o[name] = v;
          c++;
        }
        else fail(`${name === 'pid' ? 'Process id' : 'Parent process id'} must be a numeric value, was ${a}\n`);
        break;
      }
      case 'uid': case 'euid': case 'uid-all': case 'loginuid': {
        const a = needArg();
        if (a === undefined) break;
        let v: number;
        if (isDigit(a)) {
          const n = strtoul(a, 10);
          if (n === ERANGE) {
            fail(`Numeric user ID conversion error (Numerical result out of range) for ${a}\n`);
            break;
          }
          v = toUint(n); // strtoul into a uid_t
        } else if (name === 'loginuid' && /^-\d/.test(a)) {
          // -ul -1: strtol (base 0) into a uid_t, so the unset auid
          const n = strtol(a, 0);
          if (n === ERANGE) {
            fail(`Error converting ${a}\n`);
            break;
          }
          v = toUint(n);
        } else {
          // ausearch's getpwnam: an unknown name is an error; a known one sets the uid and the name to match.
          const u = uidOfName(a);
          if (u === undefined) {
            const what = name === 'uid' ? 'Effective user ID' : name === 'loginuid' ? 'Login user ID' : 'User ID';
            fail(`${what} is non-numeric and unknown (${a})\n`);
            break;
          }
          v = u;
          if (name === 'uid' || name === 'uid-all') o.uidName = a;
          if (name === 'euid' || name === 'uid-all') o.euidName = a;
          if (name === 'loginuid' || name === 'uid-all') o.loginuidName = a;
        }
        // ausearch's "not given" values: uid and euid -1, auid -2 (so -ui 4294967295 searches every uid)
        const uid = v === UID_UNSET ? undefined : v;
        const loginuid = v === LOGINUID_UNSET ? undefined : v;
        if (name === 'uid') o.uid = uid;
        else if (name === 'euid') o.euid = uid;
        else if (name === 'loginuid') o.loginuid = loginuid;
        else { o.uid = uid; o.euid = uid; o.loginuid = loginuid; o.uidAll = true; }
        c++;
        break;
      }
      case 'comm': case 'exe': case 'terminal': case 'hostname': case 'uuid': case 'vmname': case 'subject': case 'object': {
        const a = needArg();
        if (a === undefined) break;
        o[name] = asLogBytes(a);
        c++;
        break;
      }
      case 'context': {
        const a = needArg();
        if (a === undefined) break;
        o.subject = o.object = asLogBytes(a);
        o.contextOr = true;
        c++;
        break;
      }
      case 'node': {
        const a = needArg();
        if (a === undefined) break;
        (o.nodes ??= []).push(asLogBytes(a));
        c++;
        break;
      }
      case 'gid': case 'egid': case 'gid-all': {
        const a = needArg();
        if (a === undefined) break;
        let v: number;
        if (isDigit(a)) {
          const n = strtoul(a, 10);
          // ausearch goes on to the next word after this error (it stops there anyway)
          if (n === ERANGE) { fail(`Numeric group ID conversion error (Numerical result out of range) for ${a}\n`); break; }
          v = toUint(n); // strtoul into a gid_t
        } else {
          const g = gidOfName(a);
          if (g === undefined) { fail(`${name === 'egid' ? 'Effective group' : 'Group'} ID is non-numeric and unknown (${a})\n`); break; }
          v = g;
        }
        // a gid_t of -1 is ausearch's "not given"
        const gid = v === UID_UNSET ? undefined : v;
        if (name !== 'egid') o.gid = gid;
        if (name !== 'gid') o.egid = gid;
        if (name === 'gid-all') o.gidAll = true;
        c++;
        break;
      }
      case 'file': {
        const a = needArg();
        if (a === undefined) break;
        const bytes = asLogBytes(a);
        // PATH_MAX counts the terminating NUL
        if (bytes.length >= 4096) { fail(`File name is too long ${bytes}\n`); break; }
        o.file = bytes;
        c++;
        break;
      }
      case 'session': {
        const a = needArg();
        if (a === undefined) break;
        let n: bigint | typeof ERANGE;
        if (isDigit(a)) {
          // strtoul's ERANGE: ausearch exits 1 without a word
          n = strtoul(a, 10);
          if (n === ERANGE) { fail(''); break; }
        } else if (/^-\d/.test(a)) {
          n = strtoul(a, 0);
          if (n === ERANGE) { fail(`Error converting ${a}\n`); break; }
        } else {
          fail(`Session id must be a numeric value, was ${a}\n`);
          break;
        }
        const v = toUint(n); // into a uint32_t
        o.session = v === SESSION_UNSET ? undefined : v;
        c++;
        break;
      }
      case 'exit': {
        const a = needArg();
        if (a === undefined) break;
        if (isDigit(a) || /^-\d/.test(a)) {
          const n = strtol(a, 0);
          if (n === ERANGE) fail(`Error converting ${a}\n`);
          else o.exit = n;
        } else {
          const n = errnoOfName(a);
          if (n === 0) fail(`Unknown errno, was ${a}\n`);
          else o.exit = BigInt(n);
        }
        c++;
        break;
      }
      case 'arch': {
        const a = needArg();
        if (a === undefined) break;
        if (o.machine !== undefined) {
          fail(o.syscall !== undefined ? 'Arch needs to be defined before the syscall\n' : 'Arch is already defined\n');
          break;
        }
        const elf = determineMachine(a);
        if (elf === undefined) fail(`Unknown arch ${a}\n`);
        else o.machine = elf;
        c++;
        break;
      }
      case 'success': {
        const a = needArg();
        if (a === undefined) break;
        if (a.includes('yes') || a.includes('no')) o.success = a === 'yes' ? 'yes' : 'no';
        else fail("Success must be 'yes' or 'no'.\n");
        c++;
        break;
      }
      case 'start': case 'end': {
        if (optarg === undefined) {
          fail(`${word} requires either date and/or time\n`);
          break;
        }
        const after = argv[c + 2];
        let date: string | undefined;
        let time: string | undefined;
        if (after !== undefined && !after.startsWith('-')) {
          if (optarg.includes(':')) { date = after; time = optarg; } else { date = optarg; time = after; }
          c++;
        } else if (/^(now|recent|boot|today|yesterday|this-week|week-ago|this-month|this-year)$/.test(optarg)) {
          date = optarg; time = '00:00:00';
        } else if (optarg === 'checkpoint' && name === 'start') {
          fail('-ts checkpoint needs --checkpoint, which audit-harness search does not support\n');
          break;
        } else if (!optarg.includes(':')) {
          date = optarg;
          time = name === 'start' ? '00:00:00' : undefined;
        } else {
          time = optarg;
        }
        try {
          const t = parseSearchTime(name, date, time, now);
          if (name === 'start') o.startTime = t; else o.endTime = t;
        } catch (e) {
          if (e instanceof TimeError) fail(e.message);
          else throw e;
        }
        c++;
        break;
      }
      case 'interpret':
      case 'raw': {
        if (o.format === 'default') o.format = name === 'raw' ? 'raw' : 'interpret';
        else fail(name === 'raw' ? 'Conflicting output format --raw\n' : `Conflicting output format ${word}\n`);
        if (optarg !== undefined) fail(`Argument is NOT required for ${word}\n`);
        break;
      }
      case 'format': {
        if (o.format !== 'default') { fail('Multiple output formats, use only 1\n'); break; }
        const a = needArg();
        if (a === undefined) break;
        if (a === 'raw') o.format = 'raw';
        else if (a === 'default') o.format = 'default';
        else if (a.startsWith('interp')) o.format = 'interpret';
        else if (a === 'csv' || a === 'text') o.format = a;
        else { fail(`Unknown option (${a})\n`); break; }
        c++;
        break;
      }
      case 'word':
        o.exact = true;
        break;
      case 'event': {
        const a = needArg();
        if (a === undefined) break;
        if (isDigit(a)) {
          // strtoul's ERANGE: ausearch's message has no newline
          if (strtoul(a, 10) === ERANGE) fail('Illegal value for audit event ID');
          else o.eventId = leadingInt(a);
          c++;
        } else fail(`Audit event id must be a numeric value, was ${a}\n`);
        break;
      }
      case 'version':
        throw new OptionsExit('ausearch version 3.0.9\n');
      case 'help':
        throw new OptionsExit(AUSEARCH_USAGE);
      case 'input-logs':
        // ausearch reads the system's logs instead of a pipe; with -if it changes nothing (run.ts refuses the rest)
        o.inputLogs = true;
        break;
      case 'just-one':
        o.justOne = true;
        break;
      case 'line-buffered':
        o.lineBuffered = true;
        break;
      case 'eoe-timeout': {
        const a = needArg();
        if (a === undefined) break;
        if (isDigit(a)) {
          // strtoul: 0 and values past ULONG_MAX are refused
          const n = strtoul(a, 10);
          if (n === ERANGE || n === 0n) fail(`Illegal value for End of Event Timeout, was ${a}\n`);
          else o.eoeTimeout = Number(n);
          c++;
        } else fail(`End of Event Timeout must be a numeric value, was ${a}\n`);
        break;
      }
      case 'extra':
        o.extra[word.slice(8) as keyof SearchOptions['extra']] = true;
        if (optarg !== undefined) fail(`Argument is NOT required for ${word}\n`);
        break;
      default:
        fail(`${word} is an unsupported option\n`);
    }
    c++;
  }
  if ((o.extra.time || o.extra.labels || o.extra.keys) && o.format !== 'csv') fail('--extra options requires format to be csv\n');
  if (errors.length) throw new OptionsError(errors.join(''));
  return o;
}
