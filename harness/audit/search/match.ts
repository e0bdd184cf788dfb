// Does an event match the search options? (match() in src/ausearch-match.c: every option must hold.)
import type { AuditEvent } from '../records/types.js';
import { extractSearchItems, lookupName, SESSION_UNSET, type SearchItems } from './items.js';
import type { SearchOptions } from './options.js';

const GID_UNSET = 0xffffffff;

/**
 * auparse's one interpretation list, shared with ausearch: the ENRICHED part loaded (undefined: none), and
 * whether matching the current event loaded it (then it is the event's first record's).
 */
export interface LoadedList {
  text: string | undefined;
  byMatch: boolean;
}

/**
 * Where ausearch 3.0.9 dies of SIGSEGV: -f meets an event whose name list a CONFIG_CHANGE path= it could not
 * read left empty (match() reads its first, missing node). We stop there with an error instead (run.ts).
 */
export class SearchCrash extends Error {
  constructor(readonly event: AuditEvent) {
    super('ausearch 3.0.9 dies of SIGSEGV on this event');
  }
}

export function matchEvent(e: AuditEvent, o: SearchOptions, list: LoadedList = { text: undefined, byMatch: false }, warn: (text: string) => void = () => {}): boolean {
  list.byMatch = false;
  if (o.startTime !== undefined && e.sec < o.startTime) return false;
  if (o.endTime !== undefined && e.sec > o.endTime) return false;
  if (o.eventId !== undefined && e.serial !== o.eventId) return false;
  const s = extractSearchItems(e, o, list, warn);
  if (!s) return false;
  // the event's node= (its first record's), compared whole with each -n
  if (o.nodes && (e.node === undefined || !o.nodes.includes(e.node))) return false;
  // user_match: -ua by name, -ua by number (even with -ue/-ul NAME), any name, numbers
  if (o.uidAll && o.uidName === undefined) {
    // what no parser read is ausearch's unset value, like an option not given
    if (!(o.uid === s.uid || o.euid === s.euid || o.loginuid === s.loginuid)) return false;
  } else if (o.uidName !== undefined || o.euidName !== undefined || o.loginuidName !== undefined) {
    if (!userNameMatch(s, o)) return false;
  } else {
    if (o.uid !== undefined && o.uid !== s.uid) return false;
    if (o.euid !== undefined && o.euid !== s.euid) return false;
    if (o.loginuid !== undefined && o.loginuid !== s.loginuid) return false;
  }
  if (!groupMatch(s, o)) return false;
  if (o.ppid !== undefined && o.ppid !== s.ppid) return false;
  if (o.pid !== undefined && o.pid !== s.pid) return false;
  // an arch no parser read is ausearch's 0, which is no machine
  if (o.machine !== undefined && s.arch !== o.machine) return false;
  // an event no parser gave a syscall has ausearch's 0 there, so -sc 0 matches it
  if (o.syscall !== undefined && o.syscall !== (s.syscall ?? 0)) return false;
  if (o.session !== undefined && o.session !== (s.session ?? SESSION_UNSET)) return false;
  if (o.exit !== undefined && o.exit !== s.exit) return false;
  if (o.success !== undefined && (o.success === 'yes' ? 1 : 0) !== s.success) return false;
  if (o.messageTypes) {
    const types = o.messageTypes;
    if (!e.records.some((r) => types.includes(r.typeNum ?? -1))) return false;
  }
  if (o.file !== undefined) {
    if (s.files?.length === 0) throw new SearchCrash(e);
    if (!fileMatch(s, o.file, o.exact)) return false;
  }
  if (!textMatch(o.hostname, s.hostname, o.exact) || !textMatch(o.terminal, s.terminal, o.exact)) return false;
  if (o.exe !== undefined && (s.exe === undefined || !strmatch(o.exe, s.exe, o.exact))) return false;
  if (o.comm !== undefined && (s.comm === undefined || !strmatch(o.comm, s.comm, o.exact))) return false;
  if (o.key !== undefined) {
    if (!s.keys || s.keys.length === 0) return false;
    if (!hasKey(s.keys, o.key, o.exact)) return false;
  }
  return textMatch(o.vmname, s.vmname, o.exact) && textMatch(o.uuid, s.uuid, o.exact) && contextMatch(s, o);
}

/** context_match: -se ORs subject and object contexts; else -su alone decides (a -o beside it is not looked at), else -o. */
function contextMatch(s: SearchItems, o: SearchOptions): boolean {
  const any = (needle: string | undefined, list: string[] | undefined) =>
    needle !== undefined && list !== undefined && list.some((c) => strmatch(needle, c, o.exact));
  if (o.contextOr) return any(o.subject, s.subjects) || any(o.object, s.objects);
  if (o.subject !== undefined) return any(o.subject, s.subjects);
  if (o.object !== undefined) return any(o.object, s.objects);
  return true;
}

/** group_match: -ga ORs gid and egid, else each one given must equal; what no parser read is ausearch's -1. */
function groupMatch(s: SearchItems, o: SearchOptions): boolean {
  const gid = s.gid ?? GID_UNSET;
  const egid = s.egid ?? GID_UNSET;
  if (o.gidAll) return (o.gid ?? GID_UNSET) === gid || (o.egid ?? GID_UNSET) === egid;
  return (o.gid === undefined || o.gid === gid) && (o.egid === undefined || o.egid === egid);
}

/** An optional string option against what the parsers read: none read (NULL) never matches. */
function textMatch(needle: string | undefined, haystack: string | undefined, exact: boolean): boolean {
  return needle === undefined || (haystack !== undefined && strmatch(needle, haystack, exact));
}

/** user_match by name: -ua ORs the three names, the others AND the names given (the numbers are not compared). */
function userNameMatch(s: SearchItems, o: SearchOptions): boolean {
  const uid = lookupName(s, 'uid', s.tuidOf);
  const euid = lookupName(s, 'euid', s.teuidOf);
  const auid = lookupName(s, 'auid', s.tauidOf);
  if (o.uidAll && o.uidName !== undefined) {
    return (uid !== undefined && uid === o.uidName) || (euid !== undefined && euid === o.euidName) ||
      (auid !== undefined && auid === o.loginuidName);
  }
  if (o.uidName !== undefined && uid !== o.uidName) return false;
  if (o.euidName !== undefined && euid !== o.euidName) return false;
  if (o.loginuidName !== undefined && auid !== o.loginuidName) return false;
  return true;
}

/** -f: any name read, else the cwd. */
function fileMatch(s: SearchItems, f: string, exact: boolean): boolean {
  if (s.files?.some((n) => strmatch(f, n, exact))) return true;
  return s.cwd !== undefined && strmatch(f, s.cwd, exact);
}

/** strmatch: -w compares whole strings, else the option is a substring. */
function strmatch(needle: string, haystack: string, exact: boolean): boolean {
  return exact ? haystack === needle : haystack.includes(needle);
}

function hasKey(keys: string[], k: string, exact: boolean): boolean {
  for (const h of keys) if (strmatch(k, h, exact)) return true;
  return false;
}
