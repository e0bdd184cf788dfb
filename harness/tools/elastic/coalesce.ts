// One audit event's records folded into one summary, as go-libaudit's aucoalesce does for auditbeat
// (CoalesceMessages, normalizeCompound, applyNormalization, addProcess in aucoalesce/coalesce.go, read
// for behaviour). The normalization data is auditbeat-normalizations.yaml.
import type { AuditEvent, AuditRecord } from '../../audit/records/index.js';
import { auditbeatTable, type Normalization } from './auditbeat-normalizations.js';
import { recordData } from './auparse-data.js';

export interface CoalescedEvent {
  sec: number;
  msec: number;
  sequence: number;
  /** Record type of the event: its first record unless that is the SYSCALL. */
  type: string;
  family: string;
  result: string;
  session?: string;
  tags: string[];
  data: Map<string, string>;
  /** uid/gid fields of the SYSCALL (or only) record: auid, uid, euid, gid, ... */
  ids: Map<string, string>;
  /** Names of those ids where the log or the accounts give one. */
  names: Map<string, string>;
  selinux: Map<string, string>;
  paths: Array<Record<string, string>>;
  args?: string[];
  process: { pid?: string; ppid?: string; title?: string; name?: string; exe?: string; cwd?: string };
  summary: {
    actor: { primary?: string; secondary?: string };
    object: { primary?: string; secondary?: string; type?: string };
    how?: string;
  };
  file?: { path?: string; inode?: string; device?: string; mode?: string; uid?: string; gid?: string };
  normalization?: Normalization;
  ecs: { category: string[]; type: string[]; outcome?: string };
  warnings: string[];
}

/** Names for uids and gids: the guest's accounts (auditbeat resolves ids on the machine it runs on). */
export interface Accounts {
  users: Map<string, string>;
  groups: Map<string, string>;
}

function idName(key: string, id: string, accounts: Accounts, enriched: string | undefined): string | undefined {
  if (enriched !== undefined && !enriched.startsWith('unknown(') && enriched !== 'unset') return enriched.replace(/^"|"$/g, '');
  return key.endsWith('gid') ? accounts.groups.get(id) : accounts.users.get(id);
}

function newEvent(first: AuditRecord, main: AuditRecord, accounts: Accounts): CoalescedEvent {
  const table = auditbeatTable();
  const { data, tags } = recordData(main);
  const ev: CoalescedEvent = {
    sec: first.sec,
    msec: first.msec,
    sequence: first.serial,
    type: first.type,
    family: table.familyOf(first.type),
    result: data.get('result') ?? 'unknown',
    tags: tags ?? [],
    data: new Map(),
    ids: new Map(),
    names: new Map(),
    selinux: new Map(),
    paths: [],
    process: {},
    summary: { actor: {}, object: {} },
    ecs: { category: [], type: [] },
    warnings: [],
  };
  data.delete('result');
  if (data.has('ses')) {
    ev.session = data.get('ses');
    data.delete('ses');
  }
  ev.summary.actor.primary = data.get('auid');
  ev.summary.actor.secondary = data.get('uid');
  const enriched = new Map(main.fields.filter((f) => f.enriched !== undefined).map((f) => [f.name, f.enriched!]));
  for (const [k, v] of data) {
    if (k.endsWith('uid') || k.endsWith('gid')) {
      ev.ids.set(k, v);
      const name = v === 'unset' ? undefined : idName(k, v, accounts, enriched.get(k));
      if (name !== undefined) ev.names.set(k, name);
    } else if (k.startsWith('subj_')) {
      ev.selinux.set(k.slice(5), v);
    } else {
      ev.data.set(k, v);
    }
  }
  return ev;
}

/** A uid's name: the accounts, else a name the log gave the same id (ResolveIDs runs after normalization). */
export function userName(ev: CoalescedEvent, accounts: Accounts, id: string): string | undefined {
  const known = accounts.users.get(id);
  if (known !== undefined) return known;
  for (const [k, v] of ev.ids) if (v === id && k.endsWith('uid') && ev.names.has(k)) return ev.names.get(k);
  return undefined;
}

function addRecord(ev: CoalescedEvent, record: AuditRecord): void {
  const { data } = recordData(record);
  switch (record.type) {
    case 'SYSCALL':
      ev.data.delete('items');
      return;
    case 'PATH':
      ev.paths.push(Object.fromEntries(data));
      return;
    case 'EXECVE': {
      const argc = Number(data.get('argc'));
      ev.data.set('argc', data.get('argc') ?? '');
      const args: string[] = [];
      for (let i = 0; i < argc; i++) {
        const a = data.get(`a${i}`);
        if (a === undefined) {
          ev.warnings.push(`failed to find arg a${i}`);
          return;
        }
        args.push(a);
      }
      ev.args = args;
      return;
    }
    default:
      for (const [k, v] of data) {
        if (ev.data.has(k)) ev.warnings.push(`duplicate key (${k}) from ${record.type} message`);
        else ev.data.set(k, v);
      }
  }
}

/** Data first, then the ids (getValue in coalesce.go). */
function valueOf(ev: CoalescedEvent, keys: string[] | undefined): string | undefined {
  for (const k of keys ?? []) {
    const v = ev.data.get(k) ?? ev.ids.get(k);
    if (v !== undefined) return v;
  }
  return undefined;
}

function setFileObject(ev: CoalescedEvent): void {
  const path = ev.paths.find((p) => p.nametype !== 'PARENT' && p.nametype !== 'UNKNOWN') ?? ev.paths[0];
  ev.file = { path: path.name, inode: path.inode, device: path.rdev, uid: path.ouid, gid: path.ogid };
  if (path.name !== undefined) ev.summary.object.primary = path.name;
  const mode = path.mode === undefined ? NaN : parseInt(path.mode, 8);
  if (!Number.isNaN(mode)) {
    ev.file.mode = (mode & 0o7777).toString(8).padStart(4, '0');
    // Go's os.FileMode keeps the file type in high bits the kernel's st_mode never sets: always "file"
    ev.summary.object.type = 'file';
  }
}

function applyNormalization(ev: CoalescedEvent): void {
  const table = auditbeatTable();
  const exe = ev.data.get('exe') ?? ev.data.get('comm');
  if (exe !== undefined) {
    ev.summary.how = exe;
    if (/^\/usr\/bin\/(python|sh|bash|perl)/.test(exe) && ev.data.has('comm')) ev.summary.how = ev.data.get('comm');
  }
  const syscall = ev.data.get('syscall');
  const syscallNorm = syscall === undefined ? undefined : (table.bySyscall.get(syscall) ?? table.bySyscall.get('*'));
  const norm = ev.type === 'SYSCALL' ? syscallNorm : table.byRecordType.get(ev.type);
  if (!norm) {
    ev.warnings.push('no normalization found for event');
    return;
  }
  ev.normalization = norm;
  ev.ecs.category = [...norm.ecs.category];
  ev.ecs.type = [...norm.ecs.type];
  if (syscallNorm && syscallNorm !== norm) {
    ev.ecs.category.push(...syscallNorm.ecs.category);
    ev.ecs.type.push(...syscallNorm.ecs.type);
    if (ev.result === 'fail') ev.ecs.outcome = 'failure';
  }
  ev.summary.object.type = norm.object_what;
  if ((norm.object_what === 'file' || norm.object_what === 'filesystem') && ev.paths.length > 0) setFileObject(ev);
  const set = (keys: string[] | undefined, assign: (v: string) => void): void => {
    if (!keys?.length) return;
    const v = valueOf(ev, keys);
    if (v !== undefined) assign(v);
    else ev.warnings.push(`none of ${keys.join(', ')} found`);
  };
  set(norm.subject_primary, (v) => (ev.summary.actor.primary = v));
  set(norm.subject_secondary, (v) => (ev.summary.actor.secondary = v));
  set(norm.object_primary, (v) => (ev.summary.object.primary = v));
  set(norm.object_secondary, (v) => (ev.summary.object.secondary = v));
  set(norm.how, (v) => (ev.summary.how = v));
}

function addProcess(ev: CoalescedEvent): void {
  const take = (k: string): string | undefined => {
    const v = ev.data.get(k);
    ev.data.delete(k);
    return v;
  };
  ev.process = { pid: take('pid'), ppid: take('ppid'), title: take('proctitle'), name: take('comm'), exe: take('exe'), cwd: take('cwd') };
}

/**
 * The coalesced event auditbeat would build, or undefined when auditbeat never receives it (its records
 * are all of types it drops: see dropped_record_types). `dropped` tells why.
 */
export function coalesceEvent(event: AuditEvent, accounts: Accounts): CoalescedEvent | { dropped: string } {
  const table = auditbeatTable();
  let reason = 'no records';
  const records = event.records.filter((r) => {
    const why = r.typeNum === undefined ? undefined : table.droppedReason(r.typeNum);
    if (why !== undefined) reason = `${r.type}: ${why}`;
    return why === undefined && r.type !== 'EOE';
  });
  if (records.length === 0) return { dropped: reason };
  let ev: CoalescedEvent;
  if (records.length === 1) {
    ev = newEvent(records[0], records[0], accounts);
  } else {
    const syscall = records.find((r) => r.type === 'SYSCALL');
    if (!syscall) return { dropped: 'missing syscall message in compound event (auditbeat reports an error)' };
    ev = newEvent(records[0], syscall, accounts);
    for (const r of records) addRecord(ev, r);
  }
  applyNormalization(ev);
  addProcess(ev);
  for (const side of ['primary', 'secondary'] as const) {
    const id = ev.summary.actor[side];
    const name = id === undefined ? undefined : userName(ev, accounts, id);
    if (name !== undefined) ev.summary.actor[side] = name;
  }
  return ev;
}
