// One audit record's fields as go-libaudit's auparse hands them to aucoalesce (AuditMessage.Data and
// enrichData in auparse/auparse.go, read for behaviour): quotes trimmed, useless values dropped, ids
// "unset", success/res as result, negative exits as errno names, hex decoded where auparse decodes it,
// the rule key taken out as tags. The ENRICHED part of a line is ignored: auditbeat reads the kernel's text.
import type { AuditRecord } from '../../audit/records/index.js';
import { syscallName, type SyscallArch } from '../../audit/syscalls/index.js';
import { T } from '../../audit/records/interpret/tables.js';

export interface RecordData {
  data: Map<string, string>;
  /** The rule key(s), from key= (auditbeat's tags). */
  tags?: string[];
}

const ARCH_NAMES = new Map<string, SyscallArch>([
  ['c000003e', 'x86_64'],
  ['40000003', 'i386'],
]);

/** decodeUppercaseHexString: only upper-case hex of even length decodes. */
function decodeUpperHex(s: string): string | undefined {
  if (s.length === 0 || s.length % 2 !== 0 || !/^[0-9A-F]+$/.test(s)) return undefined;
  return Buffer.from(s, 'hex').toString('latin1');
}

const trimQuotes = (v: string): string => v.replace(/^['" ]+|['" ]+$/g, '');

function hexDecodeField(data: Map<string, string>, orig: Map<string, string>, key: string): void {
  const o = orig.get(key);
  if (o === undefined || !data.has(key)) return;
  const text = decodeUpperHex(o);
  if (text !== undefined) data.set(key, text.split('\0').join(' '));
}

function splitContext(data: Map<string, string>, key: string): void {
  const v = data.get(key);
  if (v === undefined) return;
  data.delete(key);
  const parts = v.split(':');
  const names = ['_user', '_role', '_domain', '_level', '_category'];
  // SplitN(v, ":", 5): the last part keeps any further colons
  const fields = parts.length > 5 ? [...parts.slice(0, 4), parts.slice(4).join(':')] : parts;
  fields.forEach((p, i) => data.set(key + names[i], p));
}

function keyTags(value: string, orig: string): string[] {
  const hex = decodeUpperHex(orig);
  if (hex !== undefined) return hex.split('\x01');
  const eq = value.indexOf('=');
  return eq < 0 ? [value] : [value.slice(eq + 1)];
}

export function recordData(record: AuditRecord): RecordData {
  const data = new Map<string, string>();
  const orig = new Map<string, string>();
  for (const f of record.fields) {
    const value = trimQuotes(f.value);
    if (value === '' || value === '?' || value === '?,' || value === '(null)') continue;
    data.set(f.name, value);
    orig.set(f.name, f.value);
  }
  for (const k of ['auid', 'old-auid', 'ses']) {
    const v = data.get(k);
    if (v === '4294967295' || v === '-1') data.set(k, 'unset');
  }
  splitContext(data, 'subj');
  const result = data.has('success') ? 'success' : data.has('res') ? 'res' : undefined;
  if (result !== undefined) {
    const v = data.get(result)!.toLowerCase();
    data.delete(result);
    data.set('result', v === 'yes' || v === '1' || v.startsWith('suc') ? 'success' : 'fail');
  }
  const exit = data.get('exit');
  if (exit !== undefined && /^-\d+$/.test(exit)) {
    const name = T.err.get(-Number(exit));
    if (name !== undefined) data.set('exit', name);
  }
  let tags: string[] | undefined;
  if (data.has('key')) {
    tags = keyTags(data.get('key')!, orig.get('key')!);
    data.delete('key');
  }
  hexDecodeField(data, orig, 'cwd');
  switch (record.type) {
    case 'SYSCALL': {
      const arch = ARCH_NAMES.get((data.get('arch') ?? '').toLowerCase());
      if (arch) {
        data.set('arch', arch);
        const name = syscallName(arch, Number(data.get('syscall')));
        if (name !== undefined) data.set('syscall', name);
      }
      hexDecodeField(data, orig, 'exe');
      break;
    }
    case 'PROCTITLE':
      hexDecodeField(data, orig, 'proctitle');
      break;
    case 'USER_CMD':
      hexDecodeField(data, orig, 'cmd');
      break;
    case 'EXECVE':
      for (const k of data.keys()) {
        if (!/^a\d+$/.test(k)) continue;
        const text = decodeUpperHex(orig.get(k)!);
        if (text !== undefined) data.set(k, text);
      }
      break;
    case 'PATH':
      splitContext(data, 'obj');
      hexDecodeField(data, orig, 'name');
      break;
  }
  return { data, tags };
}
