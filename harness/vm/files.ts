// vm exec --put/--get: files and directories in and out of a guest over its ssh connection (dropbear has no
// sftp). A put is one exec of `sh` reading a script of base64 here-documents on stdin (base64 and sh are on every
// Linux guest); a get is one exec that prints "SIZE MODE PATH" then the bytes, per file.
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shellQuote } from '../shell.js';
import type { SshTransport } from '../targets/ssh/transport.js';

export interface Transfer {
  local: string;
  guest: string;
}

/** `LOCAL[:GUEST_PATH]`: the guest path defaults to /root/<basename of LOCAL>. */
export function parsePut(spec: string): Transfer {
  const i = spec.indexOf(':');
  const local = i < 0 ? spec : spec.slice(0, i);
  const guest = i < 0 ? `/root/${path.basename(path.resolve(local))}` : spec.slice(i + 1);
  if (!local || !guest) throw new Error(`--put ${spec}: expected LOCAL[:GUEST_PATH]`);
  if (!guest.startsWith('/')) throw new Error(`--put ${spec}: the guest path must be absolute`);
  return { local, guest };
}

/** `GUEST_PATH[:LOCAL]`: the local path defaults to ./<basename of GUEST_PATH>. */
export function parseGet(spec: string): Transfer {
  const i = spec.indexOf(':');
  const guest = i < 0 ? spec : spec.slice(0, i);
  const local = i < 0 ? path.basename(guest) : spec.slice(i + 1);
  if (!guest || !local || local === '/') throw new Error(`--get ${spec}: expected GUEST_PATH[:LOCAL]`);
  return { local, guest };
}

const EOF_MARK = 'AUDIT_HARNESS_EOF';

async function walk(dir: string, rel = ''): Promise<Array<{ rel: string; dir: boolean }>> {
  const out: Array<{ rel: string; dir: boolean }> = [];
  for (const d of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push({ rel: r, dir: true }, ...(await walk(dir, r)));
    else if (d.isFile()) out.push({ rel: r, dir: false });
  }
  return out;
}

/** Copies a local file or directory (recursively, modes kept) to `guest`; parent directories are created. */
export async function putPath(ssh: SshTransport, t: Transfer): Promise<void> {
  let st;
  try {
    st = await stat(t.local);
  } catch {
    throw new Error(`--put ${t.local}: no such file or directory`);
  }
  const lines = ['set -e'];
  const addFile = async (local: string, guest: string, mode: number) => {
    const b64 = (await readFile(local)).toString('base64').replace(/.{1,76}/g, '$&\n');
    lines.push(`base64 -d > ${shellQuote(guest)} <<'${EOF_MARK}'\n${b64}${EOF_MARK}`, `chmod ${(mode & 0o7777).toString(8)} ${shellQuote(guest)}`);
  };
  if (st.isDirectory()) {
    lines.push(`mkdir -p -- ${shellQuote(t.guest)}`);
    for (const e of await walk(t.local)) {
      const g = `${t.guest.replace(/\/+$/, '')}/${e.rel}`;
      const l = path.join(t.local, e.rel);
      if (e.dir) lines.push(`mkdir -p -- ${shellQuote(g)}`);
      else await addFile(l, g, (await stat(l)).mode);
    }
  } else if (st.isFile()) {
    lines.push(`mkdir -p -- ${shellQuote(path.posix.dirname(t.guest))}`);
    await addFile(t.local, t.guest, st.mode);
  } else {
    throw new Error(`--put ${t.local}: not a regular file or directory`);
  }
  const r = await ssh.execRaw(['sh', '-s'], { stdin: `${lines.join('\n')}\n`, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`--put ${t.local}:${t.guest}: ${r.stderr.toString().trim() || `exit ${r.code}`}`);
}

/** In the guest: `SIZE MODE RELPATH` and the bytes for each regular file below P, or `SIZE MODE .` for a file P. */
const GET_SCRIPT = `p=$1
emit() { printf '%s %s %s\\n' "$(wc -c < "$1")" "$(stat -c %a "$1")" "$2"; cat "$1"; }
if [ -d "$p" ]; then
  cd "$p" || exit 3
  find . -type f | sort | while IFS= read -r f; do emit "$f" "$f"; done
elif [ -f "$p" ]; then emit "$p" .
else echo "no such file or directory" >&2; exit 3
fi`;

/** Copies a guest file or directory to `local` (a directory's content goes into `local`); returns the file count. */
export async function getPath(ssh: SshTransport, t: Transfer): Promise<number> {
  const r = await ssh.execRaw(['sh', '-c', GET_SCRIPT, 'get', t.guest], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`--get ${t.guest}: ${r.stderr.toString().trim() || `exit ${r.code}`}`);
  const buf = r.stdout;
  let count = 0;
  for (let at = 0; at < buf.length;) {
    const nl = buf.indexOf(0x0a, at);
    const m = /^(\d+) ([0-7]+) (.+)$/.exec(buf.subarray(at, nl < 0 ? buf.length : nl).toString('utf8'));
    if (nl < 0 || !m) throw new Error(`--get ${t.guest}: unreadable listing from the guest at byte ${at}`);
    const size = Number(m[1]);
    const data = buf.subarray(nl + 1, nl + 1 + size);
    at = nl + 1 + size;
    let dest: string;
    if (m[3] === '.') {
      const isDir = await stat(t.local).then((s) => s.isDirectory(), () => false);
      dest = isDir ? path.join(t.local, path.posix.basename(t.guest)) : t.local;
    } else {
      dest = path.resolve(t.local, m[3]!);
      if (!dest.startsWith(path.resolve(t.local) + path.sep)) {
        throw new Error(`--get ${t.guest}: refusing path ${m[3]} outside ${t.local}`);
      }
    }
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(dest, data);
    await chmod(dest, parseInt(m[2]!, 8) & 0o777);
    count++;
  }
  if (count === 0) await mkdir(t.local, { recursive: true }); // an empty guest directory
  return count;
}
