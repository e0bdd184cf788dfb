// /etc/pam.d/common-{auth,account,password,session,session-noninteractive} as Debian's
// pam-auth-update writes them from the profiles in /usr/share/pam-configs and the templates in
// /usr/share/pam (both from libpam-runtime and the packages that add profiles). Only what the
// default profiles use: Primary/Additional blocks, priorities, -Initial variants, success=end.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

interface Profile {
  name: string;
  priority: number;
  fields: Map<string, string>;
}

const TYPES = [
  { file: 'common-auth', field: 'Auth', placeholder: 'auth' },
  { file: 'common-account', field: 'Account', placeholder: 'account' },
  { file: 'common-password', field: 'Password', placeholder: 'password' },
  { file: 'common-session', field: 'Session', placeholder: 'session' },
  { file: 'common-session-noninteractive', field: 'Session', placeholder: 'session_nonint', noninteractive: true },
] as const;

function parseProfile(name: string, text: string): Profile {
  const fields = new Map<string, string>();
  let key: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) {
      key = m[1];
      fields.set(key, m[2]);
    } else if (key && /^\s/.test(line) && line.trim()) {
      fields.set(key, (fields.get(key) ? fields.get(key) + '\n' : '') + line.trim());
    }
  }
  return { name, priority: Number(fields.get('Priority') ?? 0), fields };
}

export async function generatePamCommonFiles(root: string): Promise<Record<string, string>> {
  const dir = path.join(root, 'usr/share/pam-configs');
  const profiles: Profile[] = [];
  for (const f of (await readdir(dir)).sort()) profiles.push(parseProfile(f, await readFile(path.join(dir, f), 'utf8')));
  profiles.sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  const enabled = profiles.filter((pr) => (pr.fields.get('Default') ?? 'yes') === 'yes');
  const out: Record<string, string> = {};
  for (const t of TYPES) {
    const lower = t.field.toLowerCase();
    const pick = (kind: 'Primary' | 'Additional') =>
      enabled.filter((pr) => pr.fields.get(`${t.field}-Type`) === kind && pr.fields.has(t.field) && !('noninteractive' in t && pr.fields.has('Session-Interactive-Only')));
    const lines = (kind: 'Primary' | 'Additional') => {
      const mods = pick(kind);
      const res: string[] = [];
      mods.forEach((pr, i) => {
        // The first module of a block uses the -Initial variant (no try_first_pass/use_authtok).
        const body = (i === 0 && pr.fields.get(`${t.field}-Initial`)) || pr.fields.get(t.field)!;
        const remaining = mods.length - i;
        for (const l of body.split('\n')) res.push(`${lower}\t${l.replace(/success=end/, `success=${remaining}`)}`);
      });
      // pam-auth-update's filler when no profile gives a Primary module: jump over pam_deny.
      if (kind === 'Primary' && !res.length) res.push(`${lower}\t[default=1]\t\t\tpam_permit.so`);
      return res;
    };
    const template = await readFile(path.join(root, 'usr/share/pam', t.file), 'utf8');
    out[t.file] = template
      .replace(`$${t.placeholder}_primary`, () => lines('Primary').join('\n'))
      .replace(`$${t.placeholder}_additional`, () => lines('Additional').join('\n'));
  }
  return out;
}
