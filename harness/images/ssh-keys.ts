// Per-image SSH keys: the harness's client key (OpenSSH format) and the guest's dropbear host key.
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';

export async function makeClientKey(file: string, comment: string): Promise<string> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/** Generates a dropbear ed25519 host key; returns its OpenSSH public-key line. */
export async function makeDropbearHostKey(file: string): Promise<string> {
  await execa('dropbearkey', ['-t', 'ed25519', '-f', file]);
  const { stdout } = await execa('dropbearkey', ['-y', '-f', file]);
  const line = stdout.split('\n').find((l) => l.startsWith('ssh-ed25519 '));
  if (!line) throw new Error(`dropbearkey -y gave no public key line for ${file}`);
  // Type and key only: the comment would be the build host's user@hostname.
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}
