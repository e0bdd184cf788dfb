// The ECS document auditbeat's auditd module publishes for one coalesced event (buildMetricbeatEvent,
// addUser, addProcess, normalizeEventFields in beats auditbeat/module/auditd/audit_linux.go, read for
// behaviour). event.module is added by the beat framework, not the module; it is included here as indexed.
import { auditbeatTable } from './auditbeat-normalizations.js';
import type { CoalescedEvent } from './coalesce.js';

export type EcsDocument = Record<string, unknown>;

/** Sets a dotted path inside nested objects (mapstr.M Put). */
function put(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k])) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = value;
}

function get(obj: Record<string, unknown>, path: string): unknown {
  let o: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof o !== 'object' || o === null) return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

function del(obj: Record<string, unknown>, path: string): void {
  const keys = path.split('.');
  const parent = get(obj, keys.slice(0, -1).join('.'));
  if (keys.length === 1) delete obj[keys[0]];
  else if (typeof parent === 'object' && parent !== null) delete (parent as Record<string, unknown>)[keys[keys.length - 1]];
}

function userFields(ev: CoalescedEvent): Record<string, unknown> {
  const { userField } = auditbeatTable();
  const user: Record<string, unknown> = {};
  for (const [id, value] of ev.ids) {
    if (value === 'unset') continue;
    put(user, userField(id), value);
    // addUser sets selinux inside this loop: only an event with some id gets it
    if (ev.selinux.size > 0) user.selinux = Object.fromEntries(ev.selinux);
  }
  for (const [id, name] of ev.names) put(user, userField(id).replace(/id$/, 'name'), name);
  return user;
}

/** ECSEntityData.set then lookup: an id or a name from a summary value, with the other filled from the accounts. */
function ecsEntity(value: string | undefined, ev: CoalescedEvent, nameOfId: (id: string) => string | undefined): { id?: string; name?: string } | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value === 'unset' || value === '4294967295' || value === '-1') return {};
  if (/^\d+$/.test(value)) return { id: value, name: nameOfId(value) };
  const id = [...ev.names].find(([k, n]) => n === value && k.endsWith('uid'))?.[0];
  return { name: value, id: id === undefined ? undefined : ev.ids.get(id) };
}

/**
 * The last @timestamp Elasticsearch indexes. auditbeat takes any stamp whose seconds fit an int64 (go-libaudit's
 * parseAuditHeader: time.Unix) and publishes it, but the index's @timestamp is a date field in the default
 * format, strict_date_optional_time, which has four-digit years (elastic/elasticsearch#29014, #73034): a later
 * one fails indexing (mapper_parsing_exception) and the event is lost.
 */
const LAST_INDEXED_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Why Elasticsearch would refuse the document of an event stamped sec.msec, or undefined when it indexes it. */
export function refusedTimestamp(sec: number, msec: number): string | undefined {
  const ms = sec * 1000 + msec;
  if (Number.isFinite(ms) && ms <= LAST_INDEXED_MS) return undefined;
  return "its time is past 9999-12-31T23:59:59.999Z: Elasticsearch's date format (strict_date_optional_time, four-digit years) refuses the document's @timestamp";
}

/** The document of an event; the event's time must be one Elasticsearch indexes (see refusedTimestamp). */
export function ecsDocument(ev: CoalescedEvent): EcsDocument {
  const refused = refusedTimestamp(ev.sec, ev.msec);
  if (refused !== undefined) throw new Error(`event ${ev.sec}.${ev.msec}:${ev.sequence}: ${refused}`);
  const ts = new Date(ev.sec * 1000 + ev.msec).toISOString();
  const doc: EcsDocument = {
    '@timestamp': ts,
    // action is always set, empty when the normalization names none (the catch-all '*')
    event: { module: 'auditd', category: ev.family, action: ev.normalization?.action ?? '', outcome: ev.result === 'fail' ? 'failure' : ev.result },
  };
  const auditd: Record<string, unknown> = {
    message_type: ev.type.toLowerCase(),
    sequence: ev.sequence,
    result: ev.result,
    data: {},
  };
  for (const [k, v] of ev.data) put(auditd.data as Record<string, unknown>, k.startsWith('socket_') ? `socket.${k.slice(7)}` : k, v);
  if (ev.session !== undefined && ev.session !== 'unset') auditd.session = ev.session;
  doc.auditd = auditd;
  doc.user = userFields(ev);
  const p = ev.process;
  const process: Record<string, unknown> = {};
  if (p.pid !== undefined && /^\d+$/.test(p.pid)) process.pid = Number(p.pid);
  if (p.ppid !== undefined && /^\d+$/.test(p.ppid)) process.parent = { pid: Number(p.ppid) };
  if (p.title) process.title = p.title;
  if (p.name) process.name = p.name;
  if (p.exe) process.executable = p.exe;
  if (p.cwd) process.working_directory = p.cwd;
  if (ev.args?.length) process.args = ev.args;
  if (Object.keys(process).length > 0) doc.process = process;
  if (ev.file) doc.file = Object.fromEntries(Object.entries(ev.file).filter(([, v]) => v !== undefined));
  if (ev.tags.length > 0) doc.tags = ev.tags;
  const s = ev.summary;
  const summary: Record<string, unknown> = {};
  if (s.actor.primary) put(summary, 'actor.primary', s.actor.primary);
  if (s.actor.secondary) put(summary, 'actor.secondary', s.actor.secondary);
  if (s.object.primary) put(summary, 'object.primary', s.object.primary);
  if (s.object.secondary) put(summary, 'object.secondary', s.object.secondary);
  if (s.object.type) put(summary, 'object.type', s.object.type);
  if (s.how) summary.how = s.how;
  if (Object.keys(summary).length > 0) auditd.summary = summary;
  if (ev.paths.length > 0) auditd.paths = ev.paths;
  // normalizeEventFields
  put(doc, 'event.kind', 'event');
  if (ev.ecs.category.length > 0) put(doc, 'event.category', ev.ecs.category);
  if (ev.ecs.type.length > 0) put(doc, 'event.type', ev.ecs.type);
  if (ev.ecs.outcome) put(doc, 'event.outcome', ev.ecs.outcome);
  // ECS mappings of the normalization (user, user.effective, ... from the summary), then setECSEntity
  const nameOfId = (id: string): string | undefined => {
    for (const [k, v] of ev.ids) if (v === id && ev.names.has(k)) return ev.names.get(k);
    return undefined;
  };
  const sources = { 'subject.primary': s.actor.primary, 'subject.secondary': s.actor.secondary, 'object.primary': s.object.primary };
  for (const m of ev.normalization?.ecs.mappings ?? []) {
    const ent = ecsEntity(sources[m.from], ev, nameOfId);
    if (!ent) continue;
    if (ent.id !== undefined) put(doc, `${m.to}.id`, ent.id);
    else del(doc, `${m.to}.id`);
    if (ent.name !== undefined) put(doc, `${m.to}.name`, ent.name);
    else del(doc, `${m.to}.name`);
  }
  // removeRedundantEntity: user.effective goes when its id or name equals user's
  for (const suffix of ['.id', '.name']) {
    const v = get(doc, `user${suffix}`);
    if (typeof v === 'string' && v !== '' && get(doc, `user.effective${suffix}`) === v) {
      del(doc, 'user.effective');
      break;
    }
  }
  return doc;
}
