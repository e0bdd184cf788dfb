// ausearch reads auditd.conf before it searches (load_config(TEST_SEARCH) in src/auditd-config.c,
// 3.0.9) for end_of_event_timeout, and says so on stderr when it cannot: the search command does
// the same with the same file, so that its stderr and its event grouping match on any host.
// Of the keywords only end_of_event_timeout is read; the others are not checked (ausearch stops
// at an unknown or invalid one with a message and the built-in defaults).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import type { Output } from './output.js';

/** CONFIG_FILE, compiled into ausearch. */
export const AUDITD_CONF = '/etc/audit/auditd.conf';
const BUILT_IN_LOG = '/var/log/audit/audit.log';
/** EOE_TIMEOUT, the built-in end_of_event_timeout. */
const EOE_TIMEOUT = 2;

/** strerror's text for the errno codes ausearch may print (glibc, C locale). */
export const STRERROR: Record<string, string> = {
  EACCES: 'Permission denied',
  ENOENT: 'No such file or directory',
  ELOOP: 'Too many levels of symbolic links',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
};

/** end_of_event_timeout as ausearch would use it; messages go to `err` as ausearch prints them. */
export function loadSearchConfig(err: Output, file = AUDITD_CONF): { eoeTimeout: number } {
  const failed = () => {
    err.write(`NOTE - using built-in logs: ${BUILT_IN_LOG}\n`);
    return { eoeTimeout: EOE_TIMEOUT };
  };
  let fd: number;
  try {
    // ausearch opens it O_NOFOLLOW: a symlink is refused (ELOOP).
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') {
      err.write(`Config file ${file} doesn't exist, skipping\n`);
      return { eoeTimeout: EOE_TIMEOUT };
    }
    err.write(`Error opening config file (${STRERROR[code] ?? (e as Error).message})\n`);
    return failed();
  }
  let text: string;
  try {
    const st = fstatSync(fd);
    if (st.uid !== 0) {
      err.write(`Error - ${file} isn't owned by root\n`);
      return failed();
    }
    if (st.mode & 0o002) {
      err.write(`Error - ${file} is world writable\n`);
      return failed();
    }
    if (!st.isFile()) {
      err.write(`Error - ${file} is not a regular file\n`);
      return failed();
    }
    text = readFileSync(fd, 'latin1');
  } finally {
    closeSync(fd);
  }
  let eoeTimeout = EOE_TIMEOUT;
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    // nv_split: words separated by spaces; `name = value [option]`.
    const words = line.split(' ').filter((w) => w.length > 0);
    if (words.length === 0 || words[0]!.startsWith('#')) continue;
    if (words[0]!.toLowerCase() !== 'end_of_event_timeout' || words[1] !== '=' || words[2] === undefined) continue;
    const value = words[2];
    if (!/^\d+$/.test(value)) {
      err.write(`Value ${value} should only be numbers - line ${lineNo}\n`);
      return failed();
    }
    eoeTimeout = Number(value);
  }
  return { eoeTimeout };
}
