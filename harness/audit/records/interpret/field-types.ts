// Which interpretation each field gets: auparse's field-name table (typetab.h) plus the
// per-record-type corrections of auparse_interp_adjust_type.
import { isHexString, isIntString } from './text.js';

export type FieldKind =
  | 'UID'
  | 'GID'
  | 'SYSCALL'
  | 'ARCH'
  | 'EXIT'
  | 'ESCAPED'
  | 'ESCAPED_FILE'
  | 'ESCAPED_KEY'
  | 'PERM'
  | 'MODE'
  | 'SOCKADDR'
  | 'PROMISC'
  | 'CAPABILITY'
  | 'SUCCESS'
  | 'A0'
  | 'A1'
  | 'A2'
  | 'A3'
  | 'SIGNAL'
  | 'LIST'
  | 'TTY_DATA'
  | 'SESSION'
  | 'CAP_BITMAP'
  | 'NFPROTO'
  | 'ICMPTYPE'
  | 'PROTOCOL'
  | 'ADDR'
  | 'PERSONALITY'
  | 'SECCOMP'
  | 'OFLAG'
  | 'MMAP'
  | 'MAC_LABEL'
  | 'PROCTITLE'
  | 'HOOK'
  | 'NETACTION'
  | 'MACPROTO'
  | 'IOCTL_REQ'
  | 'FANOTIFY'
  | 'NLMCGRP'
  | 'RESOLVE'
  | 'FLAGS'
  | 'MODE_SHORT'
  | 'UNCLASSIFIED';

function names(kind: FieldKind, ...list: string[]): Array<[string, FieldKind]> {
  return list.map((n) => [n, kind]);
}

const BY_NAME = new Map<string, FieldKind>([
  ...names('UID', 'auid', 'uid', 'euid', 'suid', 'fsuid', 'ouid', 'oauid', 'old-auid', 'iuid', 'id', 'inode_uid', 'sauid', 'obj_uid'),
  ...names('GID', 'obj_gid', 'gid', 'egid', 'sgid', 'fsgid', 'ogid', 'igid', 'inode_gid', 'new_gid'),
  ...names('SYSCALL', 'syscall'),
  ...names('ARCH', 'arch'),
  ...names('EXIT', 'exit'),
  ...names('ESCAPED', 'path', 'comm', 'exe', 'file', 'watch', 'cwd', 'cmd', 'acct', 'dir', 'vm', 'old-chardev', 'new-chardev', 'old-disk', 'new-disk', 'old-fs', 'new-fs', 'old-net', 'new-net', 'device', 'cgroup', 'old-rng', 'new-rng', 'ocomm', 'grp', 'new_group', 'invalid_context', 'sw', 'root_dir'),
  ...names('ESCAPED_FILE', 'name'),
  ...names('ESCAPED_KEY', 'key'),
  ...names('PERM', 'perm', 'perm_mask'),
  ...names('MODE', 'mode'),
  ...names('SOCKADDR', 'saddr'),
  ...names('PROMISC', 'prom', 'old_prom'),
  ...names('CAPABILITY', 'capability'),
  ...names('SUCCESS', 'res', 'result'),
  ...names('A0', 'a0'),
  ...names('A1', 'a1'),
  ...names('A2', 'a2'),
  ...names('A3', 'a3'),
  ...names('SIGNAL', 'sig', 'sigev_signo'),
  ...names('LIST', 'list'),
  ...names('TTY_DATA', 'data'),
  ...names('SESSION', 'ses'),
  ...names('CAP_BITMAP', 'cap_pi', 'cap_pe', 'cap_pp', 'cap_pa', 'cap_fi', 'cap_fp', 'fp', 'fi', 'old_pp', 'old_pi', 'old_pe', 'old_pa', 'new_pp', 'new_pi', 'new_pe', 'pp', 'pi', 'pe', 'pa'),
  ...names('NFPROTO', 'family'),
  ...names('ICMPTYPE', 'icmptype'),
  ...names('PROTOCOL', 'proto'),
  ...names('ADDR', 'addr'),
  ...names('PERSONALITY', 'per'),
  ...names('SECCOMP', 'code'),
  ...names('OFLAG', 'oflag'),
  ...names('MMAP', 'flags'),
  ...names('MAC_LABEL', 'subj', 'obj', 'scontext', 'tcontext', 'vm-ctx', 'img-ctx'),
  ...names('PROCTITLE', 'proctitle'),
  ...names('HOOK', 'hook'),
  ...names('NETACTION', 'action'),
  ...names('MACPROTO', 'macproto'),
  ...names('IOCTL_REQ', 'ioctlcmd'),
  ...names('FANOTIFY', 'resp'),
  ...names('NLMCGRP', 'nl-mcgrp'),
  ...names('RESOLVE', 'resolve'),
]);

/** Fields auparse knows only when built WITH_APPARMOR (Debian's build is). */
const APPARMOR_FIELDS: ReadonlyArray<string> = ['apparmor', 'operation', 'denied_mask', 'info', 'profile', 'requested_mask'];
for (const n of APPARMOR_FIELDS) BY_NAME.set(n, 'ESCAPED');

export function kindOf(recordType: string, name: string, val: string): FieldKind {
  const c = name.charCodeAt(0);
  if (recordType === 'EXECVE' && c === 97 /* a */ && name !== 'argc' && !name.includes('_len')) return 'ESCAPED';
  switch (name) {
    case 'saddr':
      if (recordType === 'AVC') return 'UNCLASSIFIED';
      if (recordType === 'NETFILTER_PKT') return 'ADDR';
      break;
    case 'msg':
      if (recordType === 'USER_TTY') return 'ESCAPED';
      break;
    case 'acct':
      return val.charCodeAt(0) === 34 || isHexString(val) ? 'ESCAPED' : 'UNCLASSIFIED';
    case 'flags':
      if (recordType === 'PATH') return 'FLAGS';
      break;
    case 'mode':
      if (recordType === 'MQ_OPEN') return 'MODE_SHORT';
      break;
    case 'fp':
      if (recordType === 'CRYPTO_KEY_USER') return 'UNCLASSIFIED';
      break;
    case 'id':
      if (recordType === 'ADD_GROUP' || recordType === 'GRP_MGMT' || recordType === 'DEL_GROUP') return 'GID';
      break;
  }
  if (recordType === 'TRUSTED_APP') {
    if (val.charCodeAt(0) === 34) return 'ESCAPED';
    if (isIntString(val)) return 'UNCLASSIFIED';
    return isHexString(val) ? 'ESCAPED' : 'UNCLASSIFIED';
  }
  if (recordType === 'KERN_MODULE' && name === 'name') return 'ESCAPED';
  return BY_NAME.get(name) ?? 'UNCLASSIFIED';
}
