// auparse's normalizer (audit-userspace v3.0.9 auparse/normalize.c): an event reduced to subject,
// action, object, results and how. Locations are record/field positions that the writers seek to and
// interpret; the search walks the event with auparse's cursor rules (AuEvent), including their quirks
// (a search that fails at a record's last field stops there, one that runs off the end leaves no record).
import type { AuEvent } from './auparse-event.js';
import { EVENT_KINDS, OBJ_KINDS, RECORD_ACTIONS, SYSCALL_KINDS } from './normalize-tables.js';
import { recordTypeName } from '../records/record-types.js';
import { uidOfName } from './options.js';

export interface Loc {
  rec: number;
  field: number;
}

export interface Normalized {
  evkind?: string;
  session?: Loc;
  subjPrimary?: Loc;
  subjSecondary?: Loc;
  subjKind?: string;
  subjAttrs: Loc[];
  action?: string;
  objPrimary?: Loc;
  objSecondary?: Loc;
  objTwo?: Loc;
  objAttrs: Loc[];
  objWhat: string;
  results?: Loc;
  how?: string;
  key?: Loc;
}

/** NORM_OPT_ALL collects attributes (--extra-labels), NORM_OPT_NO_ATTRS does not. */
export type NormalizeOption = 'all' | 'no-attrs';

const T = {
  USER: 1005, LOGIN: 1006, USER_AUTH: 1100, USER_ACCT: 1101, USER_MGMT: 1102, CRED_ACQ: 1103, CRED_DISP: 1104,
  USER_START: 1105, USER_END: 1106, USER_AVC: 1107, USER_CHAUTHTOK: 1108, USER_ERR: 1109, CRED_REFR: 1110,
  USYS_CONFIG: 1111, USER_LOGIN: 1112, USER_LOGOUT: 1113, ADD_USER: 1114, DEL_USER: 1115, ADD_GROUP: 1116,
  DEL_GROUP: 1117, CHGRP_ID: 1119, TEST: 1120, TRUSTED_APP: 1121, USER_SELINUX_ERR: 1122, USER_CMD: 1123,
  USER_TTY: 1124, CHUSER_ID: 1125, GRP_AUTH: 1126, SYSTEM_BOOT: 1127, SYSTEM_SHUTDOWN: 1128, SYSTEM_RUNLEVEL: 1129,
  SERVICE_START: 1130, SERVICE_STOP: 1131, GRP_MGMT: 1132, GRP_CHAUTHTOK: 1133, ACCT_LOCK: 1135, ACCT_UNLOCK: 1136,
  USER_DEVICE: 1137, SOFTWARE_UPDATE: 1138, FIRST_USER_MSG: 1100, LAST_USER_MSG: 1199,
  DAEMON_START: 1200, DAEMON_ABORT: 1202, DAEMON_ACCEPT: 1207, FIRST_DAEMON: 1200, LAST_DAEMON: 1299,
  SYSCALL: 1300, PATH: 1302, SOCKETCALL: 1304, CONFIG_CHANGE: 1305, SOCKADDR: 1306, CWD: 1307, MQ_GETSETATTR: 1315,
  FD_PAIR: 1317, OBJ_PID: 1318, TTY: 1319, BPRM_FCAPS: 1321, NETFILTER_PKT: 1324, NETFILTER_CFG: 1325, SECCOMP: 1326,
  FEATURE_CHANGE: 1328, KERN_MODULE: 1330, FANOTIFY: 1331, TIME_INJOFFSET: 1332, TIME_ADJNTPVAL: 1333, BPF: 1334,
  EVENT_LISTENER: 1335, AVC: 1400, SELINUX_ERR: 1401, AVC_PATH: 1402, MAC_POLICY_LOAD: 1403, MAC_STATUS: 1404,
  MAC_CONFIG_CHANGE: 1405, MAC_UNLBL_ALLOW: 1406, MAC_MAP_ADD: 1409, MAC_MAP_DEL: 1410, LAST_SELINUX: 1499,
  AA: 1500, APPARMOR_AUDIT: 1501, APPARMOR_ALLOWED: 1502, APPARMOR_DENIED: 1503, APPARMOR_HINT: 1504,
  APPARMOR_STATUS: 1505, APPARMOR_ERROR: 1506, FIRST_KERN_CRYPTO_MSG: 1600, LAST_KERN_CRYPTO_MSG: 1699,
  ANOM_PROMISCUOUS: 1700, ANOM_ABEND: 1701, ANOM_LINK: 1702, LAST_KERN_ANOM_MSG: 1799, INTEGRITY_FIRST_MSG: 1800,
  INTEGRITY_LAST_MSG: 1899, KERNEL: 2000, FIRST_ANOM_MSG: 2100, ANOM_LOGIN_FAILURES: 2100, ANOM_LOGIN_TIME: 2101,
  ANOM_LOGIN_SESSIONS: 2102, ANOM_LOGIN_LOCATION: 2104, ANOM_RBAC_FAIL: 2108, ANOM_RBAC_INTEGRITY_FAIL: 2109,
  ANOM_CRYPTO_FAIL: 2110, ANOM_EXEC: 2112, LAST_ANOM_MSG: 2199, FIRST_ANOM_RESP: 2200, LAST_ANOM_RESP: 2299,
  FIRST_USER_LSPP_MSG: 2300, ROLE_ASSIGN: 2301, ROLE_REMOVE: 2302, LABEL_OVERRIDE: 2303, LABEL_LEVEL_CHANGE: 2304,
  DEV_ALLOC: 2307, USER_MAC_CONFIG_CHANGE: 2312, USER_ROLE_CHANGE: 2300, LAST_USER_LSPP_MSG: 2399,
  FIRST_CRYPTO_MSG: 2400, CRYPTO_KEY_USER: 2404, CRYPTO_SESSION: 2407, LAST_CRYPTO_MSG: 2499, FIRST_VIRT_MSG: 2500,
  VIRT_CONTROL: 2500, VIRT_RESOURCE: 2501, VIRT_MACHINE_ID: 2502, LAST_VIRT_MSG: 2599, FIRST_USER_MSG2: 2100,
  LAST_USER_MSG2: 2999,
} as const;

const inRange = (t: number, lo: number, hi: number) => t >= lo && t <= hi;

function recordAction(type: number): string | undefined {
  const name = recordTypeName(type);
  return name === undefined ? undefined : RECORD_ACTIONS[name];
}

function evkindOf(t: number): string {
  let k = 'UNKNOWN';
  if (inRange(t, T.USER_AUTH, T.USER_ACCT) || inRange(t, T.CRED_ACQ, T.USER_END) || inRange(t, T.USER_CHAUTHTOK, T.CRED_REFR) ||
      inRange(t, T.USER_LOGIN, T.USER_LOGOUT) || t === T.LOGIN) k = 'USER_LOGIN';
  else if (t === T.GRP_AUTH || t === T.CHGRP_ID) k = 'GROUP_CHANGE';
  else if (t === T.USER_MGMT || inRange(t, T.ADD_USER, T.DEL_GROUP) || inRange(t, T.GRP_MGMT, T.GRP_CHAUTHTOK) ||
      inRange(t, T.ACCT_LOCK, T.ACCT_UNLOCK)) k = 'USER_ACCT';
  else if (t === T.KERNEL || inRange(t, T.SYSTEM_BOOT, T.SERVICE_STOP)) k = 'SYSTEM_SERVICES';
  else if (t === T.USYS_CONFIG || t === T.CONFIG_CHANGE || t === T.NETFILTER_CFG || t === T.FEATURE_CHANGE ||
      t === T.TIME_INJOFFSET || t === T.TIME_ADJNTPVAL || t === T.USER_DEVICE || t === T.SOFTWARE_UPDATE) k = 'CONFIG';
  else if (t === T.SECCOMP) k = 'DAC_DECISION';
  else if (inRange(t, T.TEST, T.TRUSTED_APP) || t === T.USER_CMD || t === T.CHUSER_ID) k = 'USERSPACE';
  else if (t === T.USER_TTY || t === T.TTY) k = 'TTY';
  else if (t === T.EVENT_LISTENER || inRange(t, T.FIRST_DAEMON, T.LAST_DAEMON)) k = 'AUDIT_DAEMON';
  else if (t === T.USER_SELINUX_ERR || t === T.USER_AVC || inRange(t, T.APPARMOR_ALLOWED, T.APPARMOR_DENIED) ||
      t === T.APPARMOR_ERROR || inRange(t, T.AVC, T.AVC_PATH)) k = 'MAC_DECISION';
  else if (inRange(t, T.INTEGRITY_FIRST_MSG, T.INTEGRITY_LAST_MSG) || t === T.ANOM_RBAC_INTEGRITY_FAIL) k = 'INTEGRITY';
  else if (inRange(t, T.ANOM_PROMISCUOUS, T.LAST_KERN_ANOM_MSG) || inRange(t, T.FIRST_ANOM_MSG, T.ANOM_RBAC_FAIL) ||
      inRange(t, T.ANOM_CRYPTO_FAIL, T.LAST_ANOM_MSG)) k = 'ANOMALY';
  else if (inRange(t, T.FIRST_ANOM_RESP, T.LAST_ANOM_RESP)) k = 'ANOMALY_RESP';
  else if (inRange(t, T.MAC_POLICY_LOAD, T.LAST_SELINUX) || inRange(t, T.AA, T.APPARMOR_AUDIT) ||
      inRange(t, T.APPARMOR_HINT, T.APPARMOR_STATUS) || inRange(t, T.FIRST_USER_LSPP_MSG, T.LAST_USER_LSPP_MSG)) k = 'MAC';
  else if (inRange(t, T.FIRST_KERN_CRYPTO_MSG, T.LAST_KERN_CRYPTO_MSG) || inRange(t, T.FIRST_CRYPTO_MSG, T.LAST_CRYPTO_MSG)) k = 'CRYPTO';
  else if (inRange(t, T.FIRST_VIRT_MSG, T.LAST_VIRT_MSG)) k = 'VIRT';
  else if (inRange(t, T.SYSCALL, T.SOCKETCALL) || inRange(t, T.SOCKADDR, T.MQ_GETSETATTR) || inRange(t, T.FD_PAIR, T.OBJ_PID) ||
      inRange(t, T.BPRM_FCAPS, T.NETFILTER_PKT)) k = 'AUDIT_RULE';
  else if (t === T.FANOTIFY) k = 'AV_DECISION';
  else if (t === T.BPF) k = 'BPF';
  return EVENT_KINDS[k]!;
}

const SCRIPT_EXES = ['/usr/bin/python', '/usr/bin/sh', '/usr/bin/bash', '/usr/bin/perl'];
const isScript = (exe: string) => SCRIPT_EXES.some((p) => exe.startsWith(p));

/** One normalization of one auparse event (auparse_normalize). */
class Normalizer {
  readonly d: Normalized = { subjAttrs: [], objAttrs: [], objWhat: 'UNKNOWN' };
  private syscallSuccess = -1;

  constructor(private readonly au: AuEvent, private readonly opt: NormalizeOption) {}

  private here(rnum = this.au.recordNum()): Loc {
    return { rec: rnum, field: this.au.fieldNum() };
  }

  private subjectWhat(): number {
    const au = this.au;
    let uid: number;
    if (au.fieldType() === 'UID') uid = au.fieldInt();
    else {
      const acct = au.fieldName() === 'acct' ? au.interpret() : undefined;
      const u = acct === undefined ? undefined : uidOfName(acct);
      if (u === undefined) {
        this.d.subjKind = 'unknown-acct';
        return 1;
      }
      uid = u | 0;
    }
    if (uid === 0) this.d.subjKind = 'privileged-acct';
    else if (uid >>> 0 === 4294967295) this.d.subjKind = 'unset-acct';
    else if (uid < 1000) this.d.subjKind = 'service-acct';
    else if (uid < 60000) this.d.subjKind = 'user-acct';
    else this.d.subjKind = 'unknown-acct';
    return 0;
  }

  /** Finds `name` from the cursor on; the location in record `rnum` as the caller numbers it. */
  private locate(name: string, rnum: number): Loc | undefined {
    return this.au.findField(name) === undefined ? undefined : this.here(rnum);
  }

  private primeSubject(name: string, rnum: number): number {
    const at = this.locate(name, rnum);
    if (at) this.d.subjPrimary = at;
    return at ? 0 : 1;
  }

  private secondarySubject(name: string, rnum: number): number {
    const at = this.locate(name, rnum);
    if (!at) return 1;
    this.d.subjSecondary = at;
    return this.subjectWhat();
  }

  /** add_subj_attr / add_obj_attr: appended when found, else back to the start of record `rnum`. */
  private attr(list: Loc[], name: string, rnum: number): number {
    const at = this.locate(name, rnum);
    if (at) list.push(at);
    else this.au.gotoRecordNum(rnum);
    return at ? 0 : 1;
  }

  private subjAttr(name: string, rnum: number): number {
    return this.attr(this.d.subjAttrs, name, rnum);
  }

  private objAttr(name: string, rnum: number): number {
    return this.attr(this.d.objAttrs, name, rnum);
  }

  private primeObject(name: string, rnum: number): number {
    const at = this.locate(name, rnum);
    if (at) this.d.objPrimary = at;
    return at ? 0 : 1;
  }

  private primeObject2(name: string, adjust: number): number {
    const rnum = 2 + adjust;
    this.au.gotoRecordNum(rnum);
    this.au.firstField();
    const at = this.locate(name, rnum);
    if (at) this.d.objTwo = at;
    return at ? 0 : 1;
  }

  private session(rnum: number): number {
    if (this.au.findField('ses') !== undefined) {
      this.d.session = this.here(rnum);
      return 0;
    }
    this.au.firstRecord();
    return 1;
  }

  private setResults(rnum: number): number {
    if (this.au.findField('res') === undefined) return 1;
    this.d.results = this.here(rnum);
    return 0;
  }

  /** The current field as the object (record number as auparse reports it). */
  private objectHere(): void {
    this.d.objPrimary = this.here();
  }

  private syscallSubjAttr(): void {
    const au = this.au;
    au.firstRecord();
    do {
      const rnum = au.recordNum();
      if (au.type() === T.SYSCALL) {
        if (this.opt === 'no-attrs') {
          this.session(rnum);
          return;
        }
        for (const n of ['ppid', 'pid', 'gid', 'euid', 'suid', 'fsuid', 'egid', 'sgid', 'fsgid', 'tty']) this.subjAttr(n, rnum);
        this.session(rnum);
        this.subjAttr('subj', rnum);
        return;
      }
    } while (au.nextRecord() === 1);
  }

  private collectPermObj2(syscall: string): void {
    this.au.firstRecord();
    if (this.au.findField(syscall === 'fchmodat' ? 'a2' : 'a1') !== undefined) this.d.objTwo = this.here(0);
  }

  private collectOwnObj2(syscall: string): void {
    const au = this.au;
    au.firstRecord();
    if (au.findField(syscall === 'fchownat' ? 'a2' : 'a1') !== undefined) {
      if (au.fieldInt() === -1 && au.fieldStr() !== undefined && !overflows(au.fieldStr()!)) au.nextField();
      this.d.objTwo = this.here(0);
    }
  }

  private collectIdObj2(syscall: string): void {
    const limits: Record<string, number> = { setuid: 1, setreuid: 2, setresuid: 3, setgid: 1, setregid: 2, setresgid: 3 };
    const limit = limits[syscall];
    if (limit === undefined) return;
    const au = this.au;
    au.firstRecord();
    if (au.findField('a0') === undefined) return;
    let cnt = 1;
    while (cnt <= limit) {
      if (au.interpret() !== 'unset') break;
      if (cnt < limit) {
        if (au.nextField() === 0) return;
        cnt++;
      } else return;
    }
    this.d.objTwo = this.here(0);
  }

  private collectPathAttrs(): void {
    const au = this.au;
    const rnum = au.recordNum();
    au.firstField();
    if (this.objAttr('mode', rnum)) return;
    while (au.nextField()) this.d.objAttrs.push(this.here(rnum));
  }

  private simpleFileAttr(): void {
    if (this.opt === 'no-attrs') return;
    const au = this.au;
    let parent = 0;
    au.firstRecord();
    do {
      const type = au.type();
      if (type === T.PATH) {
        const f = au.findField('nametype');
        if (f === 'PARENT') {
          if (parent === 0) parent = au.recordNum();
          continue;
        }
        this.collectPathAttrs();
        return;
      } else if (type === T.CWD) this.objAttr('cwd', au.recordNum());
      else if (type === T.SOCKADDR) this.objAttr('saddr', au.recordNum());
    } while (au.nextRecord() === 1);
    if (parent) {
      au.gotoRecordNum(parent);
      this.collectPathAttrs();
    }
  }

  private fileObject(adjust: number): void {
    const au = this.au;
    let parent = 0;
    let f: string | undefined;
    au.gotoRecordNum(2 + adjust);
    au.firstField();
    do {
      f = au.findField('nametype');
      if (f !== undefined) {
        if (f !== 'PARENT') break;
        if (parent === 0) parent = au.recordNum();
      }
    } while (f !== undefined && au.nextRecord() === 1);
    let rnum: number;
    if (f === undefined) {
      if (parent === 0) return;
      au.gotoRecordNum(parent);
      au.firstField();
      rnum = parent;
    } else rnum = au.recordNum();
    if (au.type() !== T.PATH) return;
    au.firstField();
    this.primeObject('name', rnum);
    if (au.findField('inode') !== undefined) this.d.objSecondary = this.here(rnum);
    const mode = au.findField('mode');
    if (mode !== undefined) {
      const m = /^[ \t\n\v\f\r]*[+-]?([0-7]*)/.exec(mode)![1]!;
      if (m.length <= 22) {
        const fmt = (m === '' ? 0 : parseInt(m.slice(-6), 8)) & 0o170000;
        const kinds: Record<number, string> = {
          0o100000: 'FILE', 0o040000: 'DIRECTORY', 0o020000: 'CHAR_DEV', 0o060000: 'BLOCK_DEV',
          0o010000: 'FIFO', 0o120000: 'LINK', 0o140000: 'SOCKET',
        };
        if (kinds[fmt]) this.d.objWhat = kinds[fmt]!;
      }
    }
  }

  private socketObject(): void {
    this.au.gotoRecordNum(1);
    this.au.firstField();
    this.primeObject('saddr', 1);
  }

  private programObject(): number {
    const au = this.au;
    au.firstRecord();
    const type = au.type();
    if (type === T.BPF) {
      if (au.findField('prog-id') !== undefined) this.objectHere();
    } else if (type === T.EVENT_LISTENER) {
      if (au.findField('nl-mcgrp') !== undefined) this.objectHere();
    } else if (au.findField('exe') !== undefined) {
      if (isScript(au.interpret() ?? '')) {
        const fnum = au.fieldNum();
        if (fnum > 0) au.gotoFieldNum(fnum - 1);
        else au.firstRecord();
        au.findField('comm');
      }
      this.objectHere();
      return 0;
    }
    return 1;
  }

  private fieldObject(name: string, first = true): void {
    if (first) this.au.firstRecord();
    if (this.au.findField(name) !== undefined) this.objectHere();
  }

  private normalizeSyscall(syscall: string | undefined): void {
    const au = this.au;
    const d = this.d;
    let objtype = 'UNKNOWN';
    let tmpKind = 'UNKNOWN';
    let ttype = 0;
    const stops: Record<number, string> = {
      [T.SELINUX_ERR]: 'MAC_ERR', [T.NETFILTER_CFG]: 'IPTABLES', [T.ANOM_PROMISCUOUS]: 'PROMISCUOUS',
      [T.KERN_MODULE]: 'FILE_LDMOD', [T.MAC_POLICY_LOAD]: 'MAC_LOAD', [T.MAC_STATUS]: 'MAC_ENFORCE',
      [T.MAC_CONFIG_CHANGE]: 'MAC_CONFIG', [T.TIME_INJOFFSET]: 'SYSTEM_TIME', [T.TIME_ADJNTPVAL]: 'SYSTEM_TIME',
      [T.BPF]: 'BPF', [T.EVENT_LISTENER]: 'EV_LISTEN',
    };
    let rc = au.firstRecord();
    while (rc === 1) {
      ttype = au.type();
      if (ttype === T.AVC) {
        tmpKind = 'MAC';
        break;
      }
      if (ttype === T.FANOTIFY) {
        tmpKind = 'AV';
        break;
      }
      if (stops[ttype]) {
        objtype = stops[ttype]!;
        break;
      }
      rc = au.nextRecord();
    }
    if (objtype === 'UNKNOWN' && syscall !== undefined) objtype = SYSCALL_KINDS[syscall] ?? 'UNKNOWN';
    let act: string | undefined;
    const file = (a: string, what: string, adjust: number) => {
      act = a;
      d.objWhat = what;
      this.fileObject(adjust);
      this.simpleFileAttr();
    };
    switch (objtype) {
      case 'FILE': act = 'opened-file'; this.fileObject(0); d.objWhat = 'FILE'; this.simpleFileAttr(); break;
      case 'FILE_CHATTR': file('changed-file-attributes-of', 'FILE', syscall === 'fsetxattr' ? -1 : 0); break;
      case 'FILE_CHPERM':
        act = 'changed-file-permissions-of';
        d.objWhat = 'FILE';
        this.collectPermObj2(syscall!);
        this.fileObject(syscall === 'fchmod' ? -1 : 0);
        this.simpleFileAttr();
        break;
      case 'FILE_CHOWN':
        act = 'changed-file-ownership-of';
        d.objWhat = 'FILE';
        this.collectOwnObj2(syscall!);
        this.fileObject(syscall === 'fchown' ? -1 : 0);
        this.simpleFileAttr();
        break;
      case 'FILE_LDMOD':
        act = 'loaded-kernel-module';
        d.objWhat = 'FILE';
        au.gotoRecordNum(1);
        this.primeObject('name', 1);
        break;
      case 'FILE_UNLDMOD': act = 'unloaded-kernel-module'; d.objWhat = 'FILE'; break;
      case 'FILE_DIR': file('created-directory', 'FILE', 1); break;
      case 'FILE_MOUNT':
        act = 'mounted';
        d.objWhat = 'FILESYSTEM';
        if (this.syscallSuccess === 1) this.primeObject2('name', 0);
        this.fileObject(this.syscallSuccess);
        this.collectPathAttrs();
        break;
      case 'FILE_RENAME':
        act = 'renamed';
        d.objWhat = 'FILE';
        this.primeObject2('name', 4);
        this.fileObject(2);
        this.simpleFileAttr();
        break;
      case 'FILE_STAT': file('checked-metadata-of', 'FILE', 0); break;
      case 'FILE_SYS_STAT': file('checked-filesystem-metadata-of', 'FILESYSTEM', 0); break;
      case 'FILE_LNK':
        act = 'symlinked';
        d.objWhat = 'FILE';
        this.primeObject2('name', 0);
        this.fileObject(2);
        this.simpleFileAttr();
        break;
      case 'FILE_UMNT': file('unmounted', 'FILESYSTEM', 0); break;
      case 'FILE_DEL': file('deleted', 'FILE', 0); break;
      case 'FILE_TIME': file('changed-timestamp-of', 'FILE', 0); break;
      case 'EXEC': file('executed', 'FILE', 1); break;
      case 'SOCKET_ACCEPT': act = 'accepted-connection-from'; d.objWhat = 'SOCKET'; this.socketObject(); break;
      case 'SOCKET_BIND': act = 'bound-socket'; d.objWhat = 'SOCKET'; this.socketObject(); break;
      case 'SOCKET_CONN': act = 'connected-to'; d.objWhat = 'SOCKET'; this.socketObject(); break;
      case 'SOCKET_RECV': act = 'received-from'; d.objWhat = 'SOCKET'; this.socketObject(); break;
      case 'SOCKET_SEND': act = 'sent-to'; d.objWhat = 'SOCKET'; this.socketObject(); break;
      case 'PID':
        act = au.numRecords() > 2 ? 'killed-list-of-pids' : 'killed-pid';
        au.gotoRecordNum(1);
        au.firstField();
        this.fieldObject('saddr', false);
        d.objWhat = 'PROCESS';
        break;
      case 'MAC_LOAD': act = recordAction(ttype); d.objWhat = 'MAC_CONFIG'; break;
      case 'MAC_CONFIG': act = recordAction(ttype); this.fieldObject('bool', false); d.objWhat = 'MAC_CONFIG'; break;
      case 'MAC_ENFORCE': act = recordAction(ttype); this.fieldObject('enforcing', false); d.objWhat = 'MAC_CONFIG'; break;
      case 'MAC_ERR': act = 'caused-mac-policy-error'; d.objWhat = 'SYSTEM'; break;
      case 'IPTABLES': act = 'loaded-firewall-rule-to'; this.fieldObject('table'); d.objWhat = 'FIREWALL'; break;
      case 'PROMISCUOUS':
        this.fieldObject('dev');
        if (au.findField('prom') !== undefined) {
          act = au.fieldInt() === 0 ? 'left-promiscuous-mode-on-device' : 'entered-promiscuous-mode-on-device';
        }
        d.objWhat = 'SOCKET';
        break;
      case 'UID':
      case 'GID':
        act = 'changed-identity-of';
        d.objWhat = 'PROCESS';
        this.programObject();
        if (d.how !== undefined) d.how = syscall;
        this.collectIdObj2(syscall!);
        break;
      case 'SYSTEM_TIME': act = 'changed-system-time'; d.objWhat = 'SYSTEM'; break;
      case 'MAKE_DEV':
        this.fileObject(0);
        this.simpleFileAttr();
        act = d.objWhat === 'CHAR_DEV' ? 'made-character-device' : d.objWhat === 'BLOCK_DEV' ? 'made-block-device' : 'make-device';
        break;
      case 'SYSTEM_NAME': act = 'changed-system-name'; d.objWhat = 'SYSTEM'; break;
      case 'SYSTEM_MEMORY':
        act = 'allocated-memory';
        if (this.syscallSuccess === 1) {
          act = 'allocated-memory-in';
          this.fieldObject('comm');
        }
        d.objWhat = 'MEMORY';
        break;
      case 'SCHEDULER':
        act = 'adjusted-scheduling-policy-of';
        d.objWhat = 'PROCESS';
        this.programObject();
        if (d.how !== undefined) d.how = syscall;
        break;
      case 'BPF':
        au.firstRecord();
        act = au.findField('op') !== undefined ? (au.fieldStr() === 'LOAD' ? 'loaded-bpf-program' : 'unloaded-bpf-program') : 'bpf-program';
        d.objWhat = 'PROCESS';
        this.programObject();
        break;
      case 'EV_LISTEN':
        au.firstRecord();
        act = au.findField('op') !== undefined ? (au.fieldStr() === 'connect' ? 'connected-to' : 'disconnected-from') : 'connected';
        d.objWhat = 'SOCKET';
        this.programObject();
        break;
      default: {
        au.firstRecord();
        const k = au.findField('key');
        if (k !== undefined && k !== '(null)') {
          act = 'triggered-audit-rule';
          this.objectHere();
        } else act = 'triggered-unknown-audit-rule';
        d.objWhat = 'AUDIT_RULE';
      }
    }
    if (tmpKind === 'MAC') act = 'accessed-mac-policy-controlled-object';
    else if (tmpKind === 'AV') act = 'accessed-policy-controlled-file';
    if (act !== undefined) d.action = act;
  }

  /** exe as how; for scripts the comm before it. */
  private howFromExe(): void {
    const au = this.au;
    const exe = au.interpret() ?? '';
    this.d.how = exe;
    if (!isScript(exe)) return;
    const fnum = au.fieldNum();
    if (fnum > 0) au.gotoFieldNum(fnum - 1);
    else au.firstRecord();
    if (au.findField('comm') !== undefined) this.d.how = au.interpret();
  }

  compound(): number {
    const au = this.au;
    const d = this.d;
    let type = au.type();
    const otype = type;
    if (type !== T.SYSCALL) {
      do {
        au.nextRecord();
        type = au.type();
      } while (type && type !== T.SYSCALL);
    }
    if (!type) return 1;
    d.evkind = evkindOf(otype);
    const recno = au.recordNum();
    let syscall: string | undefined;
    if (au.findField('syscall') !== undefined) syscall = au.interpret();
    if (au.findField('success') !== undefined) {
      this.syscallSuccess = au.fieldStr() === 'no' ? 0 : 1;
      d.results = this.here(recno);
    } else {
      if (au.gotoRecordNum(recno) !== 1) return 1;
      au.firstField();
    }
    if (this.primeSubject('auid', recno)) {
      if (au.gotoRecordNum(recno) !== 1) return 1;
      au.firstField();
    }
    if (this.secondarySubject('uid', recno)) {
      if (au.gotoRecordNum(recno) !== 1) return 1;
      au.firstField();
    }
    this.syscallSubjAttr();
    au.firstField();
    if (au.findField('exe') !== undefined) {
      const exe = au.interpret() ?? '';
      d.how = exe;
      if (isScript(exe)) {
        const fnum = au.fieldNum();
        let rc = 0;
        if (fnum > 0) rc = au.gotoFieldNum(fnum - 1);
        if (rc === 0) au.firstRecord();
        if (au.findField('comm') !== undefined) d.how = au.interpret();
      }
    } else {
      if (au.gotoRecordNum(recno) !== 1) return 1;
      au.firstField();
    }
    if (au.findField('key') !== undefined && au.fieldStr() !== '(null)') d.key = this.here(recno);
    if (otype === T.ANOM_LINK) {
      const act = recordAction(otype);
      if (act !== undefined) d.action = act;
    } else if (otype === T.CONFIG_CHANGE) {
      au.firstRecord();
      if (au.findField('op') !== undefined) {
        d.action = au.interpret();
        d.objPrimary = this.findSimpleObject(T.CONFIG_CHANGE);
      }
    } else this.normalizeSyscall(syscall);
    return 0;
  }

  private configChangeObject(): string | undefined {
    const au = this.au;
    au.firstRecord();
    const k = au.findField('key');
    if (k !== undefined && au.fieldStr() !== '(null)') return k;
    for (const n of ['audit_enabled', 'audit_pid', 'audit_backlog_limit', 'audit_failure', 'actions']) {
      au.firstRecord();
      const f = au.findField(n);
      if (f !== undefined) return f;
    }
    return undefined;
  }

  private findSimpleObject(type: number): Loc | undefined {
    const au = this.au;
    const d = this.d;
    let f: string | undefined;
    au.firstField();
    const find = (name: string, what?: string, first = false) => {
      if (first) au.firstRecord();
      f = au.findField(name);
      if (what !== undefined) d.objWhat = what;
    };
    switch (type) {
      case T.SERVICE_START: case T.SERVICE_STOP: find('unit', 'SERVICE'); break;
      case T.SYSTEM_RUNLEVEL: find('new-level', 'SYSTEM'); break;
      case T.USER_ROLE_CHANGE: find('selected-context', 'USER_SESSION'); break;
      case T.ROLE_ASSIGN: case T.ROLE_REMOVE: case T.USER_MGMT: case T.ACCT_LOCK: case T.ACCT_UNLOCK: case T.ADD_USER:
      case T.DEL_USER: case T.ADD_GROUP: case T.DEL_GROUP: case T.GRP_MGMT:
        find('id');
        if (f === undefined) find('acct', undefined, true);
        d.objWhat = 'ACCT';
        break;
      case T.USER_START: case T.USER_END: case T.USER_ERR: case T.USER_LOGIN: case T.USER_LOGOUT:
        find('terminal', 'USER_SESSION');
        break;
      case T.USER_AUTH: case T.USER_ACCT: case T.CRED_ACQ: case T.CRED_REFR: case T.CRED_DISP: case T.USER_CHAUTHTOK:
      case T.GRP_CHAUTHTOK: case T.ANOM_LOGIN_FAILURES: case T.ANOM_LOGIN_TIME: case T.ANOM_LOGIN_SESSIONS:
      case T.ANOM_LOGIN_LOCATION:
        find('acct', 'USER_SESSION');
        break;
      case T.ANOM_EXEC: case T.USER_CMD: find('cmd', 'PROCESS'); break;
      case T.USER_TTY: case T.TTY: find('data', 'KEYSTROKES', true); break;
      case T.USER_DEVICE: find('device', 'KEYSTROKES', true); break;
      case T.SOFTWARE_UPDATE: find('sw', 'SOFTWARE', true); break;
      case T.VIRT_MACHINE_ID: find('vm', 'VM'); break;
      case T.VIRT_RESOURCE: find('resrc', 'VM'); break;
      case T.VIRT_CONTROL: find('op', 'VM'); break;
      case T.LABEL_LEVEL_CHANGE: find('printer', 'PRINTER'); break;
      case T.CONFIG_CHANGE: f = this.configChangeObject(); d.objWhat = 'AUDIT_CONFIG'; break;
      case T.MAC_CONFIG_CHANGE: find('bool', 'MAC_CONFIG'); break;
      case T.MAC_STATUS: find('enforcing', 'MAC_CONFIG'); break;
      case T.USER: find('addr'); break;
      case T.USYS_CONFIG:
        find('op');
        if (f !== undefined) {
          d.action = au.interpret();
          f = undefined;
        }
        d.objWhat = 'SYSTEM';
        break;
      case T.CRYPTO_KEY_USER: find('fp', 'USER_SESSION'); break;
      case T.CRYPTO_SESSION: find('addr', 'USER_SESSION'); break;
      case T.ANOM_RBAC_INTEGRITY_FAIL: find('hostname', 'FILESYSTEM'); break;
      default:
        if (type === T.MAC_POLICY_LOAD || type === T.LABEL_OVERRIDE || inRange(type, T.DEV_ALLOC, T.USER_MAC_CONFIG_CHANGE)) {
          d.objWhat = 'MAC_CONFIG';
        }
    }
    return f === undefined ? undefined : { rec: 0, field: au.fieldNum() };
  }

  private simpleByName(type: number, names: Record<number, string>): Loc | undefined {
    const au = this.au;
    au.firstField();
    const n = names[type];
    if (n === undefined || au.findField(n) === undefined) return undefined;
    return { rec: 0, field: au.fieldNum() };
  }

  private simpleSubjAttr(): void {
    if (this.opt === 'no-attrs') return;
    this.au.firstRecord();
    this.subjAttr('pid', 0);
    this.subjAttr('subj', 0);
  }

  private userspaceSubjAttr(type: number): void {
    if (this.opt === 'no-attrs') return;
    this.subjAttr('hostname', 0);
    this.subjAttr('addr', 0);
    if (type !== T.USER_START && type !== T.USER_END && type !== T.USER_ERR) this.subjAttr('terminal', 0);
  }

  private howFrom(name: string): void {
    if (this.au.findField(name) !== undefined) this.d.how = this.au.interpret();
  }

  simple(): number {
    const au = this.au;
    const d = this.d;
    const type = au.type();
    if (type === T.SYSCALL) return this.compound();
    d.evkind = evkindOf(type);
    if (type === T.CONFIG_CHANGE || type === T.FEATURE_CHANGE || type === T.SECCOMP || type === T.ANOM_ABEND ||
        type === T.ANOM_PROMISCUOUS) {
      this.primeSubject('auid', 0);
      this.session(0);
      this.simpleSubjAttr();
      let mapped = true;
      if (type === T.CONFIG_CHANGE) {
        au.firstField();
        if (au.findField('op') !== undefined) {
          let str = au.interpret() ?? '';
          if (str.startsWith('"')) str = str.slice(1);
          if (str.startsWith('add_rule')) {
            d.action = 'added-audit-rule';
            d.objPrimary = this.findSimpleObject(type);
            mapped = false;
          } else if (str.startsWith('remove_rule')) {
            d.action = 'deleted-audit-rule';
            d.objPrimary = this.findSimpleObject(type);
            mapped = false;
          }
        }
      }
      if (mapped) {
        const act = recordAction(type);
        if (act !== undefined) d.action = act;
        if (type === T.CONFIG_CHANGE) d.objPrimary = this.findSimpleObject(type);
        au.firstRecord();
      }
      if (type === T.FEATURE_CHANGE) {
        au.firstField();
        if (this.secondarySubject('uid', 0)) au.firstRecord();
        this.howFrom('exe');
        this.primeObject('feature', 0);
        d.objWhat = 'SYSTEM';
      }
      if (type === T.SECCOMP) {
        au.firstField();
        if (this.secondarySubject('uid', 0)) au.firstRecord();
        this.howFrom('exe');
        if (this.primeObject('syscall', 0)) au.firstRecord();
        d.objWhat = 'PROCESS';
        if (au.findField('code') !== undefined) d.results = this.here(0);
        return 0;
      }
      if (type === T.ANOM_ABEND) {
        au.firstField();
        if (this.secondarySubject('uid', 0)) au.firstRecord();
        if (this.primeObject('exe', 0)) au.firstRecord();
        d.objWhat = 'PROCESS';
        this.howFrom('sig');
      }
      if (type === T.ANOM_PROMISCUOUS) {
        au.firstField();
        this.primeObject('dev', 0);
        this.secondarySubject('uid', 0);
        d.objWhat = 'SOCKET';
      }
      this.setResults(0);
      return 0;
    }
    if (type === T.LOGIN) {
      if (this.secondarySubject('uid', 0)) au.firstRecord();
      this.simpleSubjAttr();
      if (this.primeSubject('old-auid', 0)) au.firstRecord();
      if (this.primeObject('auid', 0)) au.firstRecord();
      d.objWhat = 'USER_SESSION';
      this.session(0);
      this.setResults(0);
      const act = recordAction(type);
      if (act !== undefined) d.action = act;
      return 0;
    }
    if (type === T.NETFILTER_CFG) {
      this.simpleSubjAttr();
      this.howFrom('comm');
      d.action = 'loaded-firewall-rule-to';
      this.fieldObject('table');
      d.subjKind = 'system';
      d.objWhat = 'FIREWALL';
      return 0;
    }
    if (type === T.AVC) {
      if (au.findField('comm') !== undefined) d.how = au.interpret();
      else au.firstRecord();
      this.primeSubject('scontext', 0);
      d.subjKind = 'unknown-acct';
      au.firstRecord();
      if (this.opt === 'all') {
        this.primeObject('tcontext', 0);
        au.firstRecord();
      }
      d.objWhat = 'UNKNOWN';
      const act = recordAction(type);
      if (act !== undefined) d.action = act;
      au.firstRecord();
      if (au.findField('seresult') !== undefined) d.results = this.here(0);
      return 0;
    }
    if (type >= T.FIRST_DAEMON && type < T.LAST_DAEMON) {
      this.primeSubject('auid', 0);
      if (this.secondarySubject('uid', 0)) au.firstRecord();
      if (this.session(0)) au.firstRecord();
      this.simpleSubjAttr();
      d.subjKind = 'auditd';
      const act = recordAction(type);
      if (act !== undefined) d.action = act;
      d.objWhat = 'SERVICE';
      if (type === T.DAEMON_START) d.how = 'init';
      else if (type < T.DAEMON_ACCEPT && type !== T.DAEMON_ABORT) d.how = 'signal';
      this.setResults(0);
      return 0;
    }
    if (type === T.BPF) {
      d.subjKind = 'system';
      au.firstRecord();
      d.action = au.findField('op') !== undefined ? (au.fieldStr() === 'LOAD' ? 'loaded-bpf-program' : 'unloaded-bpf-program') : 'bpf-program';
      d.objWhat = 'PROCESS';
      this.programObject();
      return 0;
    }
    if (type === T.EVENT_LISTENER) {
      this.primeSubject('auid', 0);
      au.firstRecord();
      this.secondarySubject('uid', 0);
      au.firstRecord();
      this.session(0);
      this.simpleSubjAttr();
      au.firstRecord();
      d.action = au.findField('op') !== undefined ? (au.fieldStr() === 'connect' ? 'connected-to' : 'disconnected-from') : 'connected';
      this.programObject();
      d.objWhat = 'SOCKET';
      au.firstRecord();
      this.howFrom('exe');
      au.firstRecord();
      this.setResults(0);
      return 0;
    }
    if (type >= T.MAC_UNLBL_ALLOW && type <= T.LAST_SELINUX) {
      this.primeSubject('auid', 0);
      this.subjectWhat();
      this.session(0);
      this.subjAttr('subj', 0);
      let act: string | undefined;
      if (type === T.MAC_UNLBL_ALLOW) {
        if (au.findField('unlbl_accept') !== undefined) {
          act = au.fieldInt() === 1 ? 'is-allowing-unlabeled-network-traffic' : 'is-disallowing-unlabeled-network-traffic';
        } else au.firstRecord();
      } else act = recordAction(type);
      if (act !== undefined) d.action = act;
      if (type === T.MAC_MAP_ADD || type === T.MAC_MAP_DEL) {
        if (this.primeObject('nlbl_domain', 0)) au.firstRecord();
      }
      d.objWhat = 'MAC_CONFIG';
      this.setResults(0);
      return 0;
    }
    if (type === T.USER_LOGIN) {
      if (this.primeSubject('id', 0)) {
        au.firstRecord();
        if (this.primeSubject('acct', 0) === 0) this.subjectWhat();
      } else this.subjectWhat();
      au.firstRecord();
    } else {
      if (this.secondarySubject('uid', 0)) au.firstRecord();
      this.primeSubject('auid', 0);
    }
    this.session(0);
    this.simpleSubjAttr();
    if ((type >= T.FIRST_USER_MSG && type < T.LAST_USER_MSG) || (type >= T.FIRST_USER_MSG2 && type < T.LAST_USER_MSG2)) {
      this.userspaceSubjAttr(type);
    }
    if (type !== T.USER_AVC) this.setResults(0);
    else {
      au.firstRecord();
      if (au.findField('seresult') !== undefined) d.results = this.here(0);
      au.firstRecord();
      this.primeSubject('scontext', 0);
      if (this.opt === 'all') {
        au.firstRecord();
        this.primeObject('tcontext', 0);
      }
    }
    let act: string | undefined;
    if (type === T.USER_DEVICE) {
      au.firstRecord();
      act = au.findField('op');
    }
    act ??= recordAction(type);
    if (act !== undefined) d.action = act;
    if (type !== T.USER_AVC) {
      au.firstRecord();
      d.objPrimary = this.findSimpleObject(type);
      d.objSecondary = this.simpleByName(type, { [T.CRYPTO_SESSION]: 'rport', [T.SOFTWARE_UPDATE]: 'sw_type' });
      d.objTwo = this.simpleByName(type, { [T.VIRT_CONTROL]: 'vm', [T.VIRT_RESOURCE]: 'vm', [T.SOFTWARE_UPDATE]: 'root_dir' });
      if (this.opt === 'all') {
        if (type === T.USER_DEVICE) this.objAttr('uuid', 0);
        else if (type === T.SOFTWARE_UPDATE) {
          au.firstRecord();
          this.objAttr('key_enforce', 0);
          this.objAttr('gpg_res', 0);
        }
      }
    }
    if (type === T.SYSTEM_BOOT || type === T.SYSTEM_SHUTDOWN) {
      d.objWhat = type === T.SYSTEM_BOOT ? 'SYSTEM' : 'SERVICE';
      this.howFrom('exe');
      return 0;
    }
    au.firstRecord();
    if (type === T.ANOM_EXEC) {
      this.howFrom('terminal');
      return 0;
    }
    if (type === T.TTY) {
      this.howFrom('comm');
      return 0;
    }
    if (au.findField('exe') !== undefined) this.howFromExe();
    return 0;
  }
}

/** strtol's ERANGE for the value (auparse_get_field_int then sets errno). */
function overflows(v: string): boolean {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(v);
  if (!m) return false;
  const n = BigInt(m[1] === '-' ? `-${m[2]}` : m[2]!);
  return n > 0x7fffffffffffffffn || n < -0x8000000000000000n;
}

/** auparse_normalize: 0 and the model, or 1 when a multi-record event has no SYSCALL record. */
export function normalize(au: AuEvent, opt: NormalizeOption): { rc: number; n: Normalized } {
  au.firstRecord();
  const norm = new Normalizer(au, opt);
  const rc = au.numRecords() > 1 ? norm.compound() : norm.simple();
  au.firstRecord();
  return { rc, n: norm.d };
}

export function objKindName(n: Normalized): string {
  return OBJ_KINDS[n.objWhat] ?? 'unknown';
}

/** seek_field: 1 when the cursor is now on `loc`, 0 when unset, < 0 when it is not there. */
export function seek(au: AuEvent, loc: Loc | undefined): number {
  if (loc === undefined) return 0;
  if (au.gotoRecordNum(loc.rec) !== 1) return -1;
  if (au.gotoFieldNum(loc.field) !== 1) return -2;
  return 1;
}
