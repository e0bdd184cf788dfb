// What `vm exec`/`vm shell` drive: a guest booted for this one command (torn down after) or one `vm start`ed
// earlier, reached by its handle (the connection is closed after; the guest keeps running).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SshTransport } from '../targets/ssh/transport.js';
import { openQemuTarget, openVagrantTarget, type OpenTargetOptions } from '../targets/index.js';
import { isVagrantSpec } from '../targets/vagrant/spec.js';
import type { TargetInfo } from '../targets/target.js';
import { CLIENT_KEY_FILE, findHandle, looksLikeHandle } from './handles.js';

export interface Guest {
  info: TargetInfo;
  ssh: SshTransport;
  /** Boots: kill the VM. Handles: close the connection only. */
  close(): Promise<void>;
}

/** A transport to a started guest, with the key and pinned host key from its handle directory. */
export async function attach(handle: string): Promise<Guest> {
  const h = await findHandle(handle);
  const ssh = new SshTransport({
    target: `${h.handle} (${h.target})`,
    host: '127.0.0.1',
    port: h.port,
    username: 'root',
    privateKey: await readFile(path.join(h.dir, CLIENT_KEY_FILE)),
    hostKeyPub: h.hostKeyPub,
  });
  await ssh.connect();
  return { info: h.info, ssh, close: async () => ssh.close() };
}

/** TARGET spec: boot it (image built on first use); HANDLE: attach to the running guest. */
export async function openGuest(specOrHandle: string, opts: OpenTargetOptions): Promise<Guest> {
  if (looksLikeHandle(specOrHandle)) return attach(specOrHandle);
  const t = isVagrantSpec(specOrHandle) ? await openVagrantTarget(specOrHandle, opts) : await openQemuTarget(specOrHandle, opts);
  return { info: t.info, ssh: t.ssh(), close: () => t.close() };
}
