// vagrant:debian12-local's box, made on this machine: the debian12-vagrant-amd64 image (debian12-amd64's Debian
// packages plus qemu-guest-agent) as a libvirt box. The box boots the image's kernel and initramfs directly; the
// initramfs gets one more cpio archive appended (the kernel unpacks them in order) whose /init starts qemu-ga and
// then runs the image's own /init. Cached under <cache>/vagrant/boxes/debian12-local/<key>/ like images are.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ensureImage, type BuiltImage } from '../../images/index.js';
import { readInitramfsMember } from '../../images/initramfs.js';
import { repoRoot } from '../../paths.js';
import { LOCAL_BOX_FILE, localBoxesDir } from './spec.js';

/** The image recipe (vms/qemu) the box is made from: a recipe that is no qemu: target. */
export const LOCAL_BOX_IMAGE = 'debian12-vagrant-amd64';
const SOURCES = path.join(repoRoot, 'vms', 'vagrant', 'local-box');
/** Where the image's own /init goes; the appended /init runs it. */
const IMAGE_INIT = 'usr/lib/audit-harness/image-init';

export interface LocalBox {
  /** The .box file (tar) for `vagrant box add` / box_url. */
  file: string;
  image: BuiltImage;
}

export async function ensureLocalBox(opts: { signal?: AbortSignal; onProgress?: (step: string, detail?: string) => void } = {}): Promise<LocalBox> {
  const image = await ensureImage(LOCAL_BOX_IMAGE, { signal: opts.signal, onProgress: (s, d) => opts.onProgress?.(`image ${s}`, d) });
  const init = await readFile(path.join(SOURCES, 'init'));
  const vagrantfile = await readFile(path.join(SOURCES, 'Vagrantfile'));
  const self = await readFile(new URL(import.meta.url));
  const key = createHash('sha256').update(image.manifest.key).update(init).update(vagrantfile).update(self).digest('hex').slice(0, 16);
  const root = localBoxesDir('debian12-local');
  const dir = path.join(root, key);
  if (existsSync(path.join(dir, LOCAL_BOX_FILE))) return { file: path.join(dir, LOCAL_BOX_FILE), image };

  opts.onProgress?.('box', `making the libvirt box from ${image.dir}`);
  await mkdir(root, { recursive: true });
  const tmp = await mkdtemp(path.join(root, '.build-'));
  try {
    const m = image.manifest;
    const stage = path.join(tmp, 'stage');
    const box = path.join(tmp, 'box');
    await mkdir(path.join(stage, path.dirname(IMAGE_INIT)), { recursive: true });
    await mkdir(box);
    // The image's /init, exactly as built into its initramfs.
    const initrd = path.join(image.dir, m.files.initrd);
    const imageInit = await readInitramfsMember(initrd, 'init', opts.signal);
    if (!imageInit.length) throw new Error(`no /init in ${initrd}`);
    await writeFile(path.join(stage, IMAGE_INIT), imageInit, { mode: 0o755 });
    await writeFile(path.join(stage, 'init'), init, { mode: 0o755 });
    await chmod(path.join(stage, IMAGE_INIT), 0o755);
    // Files only (directories already exist in the image and keep their modes).
    const overlay = await execa('cpio', ['-o', '-H', 'newc', '--quiet', '--reproducible', '-R', '0:0'], {
      cwd: stage, input: `init\n${IMAGE_INIT}\n`, encoding: 'buffer', cancelSignal: opts.signal,
    });
    const boxInitrd = path.join(box, 'initrd.img');
    await copyFile(initrd, boxInitrd);
    const size = (await stat(boxInitrd)).size;
    await appendFile(boxInitrd, Buffer.alloc((4 - (size % 4)) % 4)); // the next archive starts 4-byte aligned
    await appendFile(boxInitrd, overlay.stdout);
    await copyFile(path.join(image.dir, m.files.kernel), path.join(box, 'vmlinuz'));
    await copyFile(path.join(image.dir, m.files.clientKey), path.join(box, 'client_key'));
    await chmod(path.join(box, 'client_key'), 0o600);
    await writeFile(path.join(box, 'cmdline'), `${m.append}\n`);
    await copyFile(path.join(SOURCES, 'Vagrantfile'), path.join(box, 'Vagrantfile'));
    await writeFile(path.join(box, 'metadata.json'), `${JSON.stringify({ provider: 'libvirt', format: 'qcow2', virtual_size: 1 })}\n`);
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', path.join(box, 'box.img'), '64M'], { cancelSignal: opts.signal });
    await execa('tar', ['-cf', path.join(tmp, LOCAL_BOX_FILE), '-C', box, 'metadata.json', 'Vagrantfile', 'box.img', 'vmlinuz', 'initrd.img', 'cmdline', 'client_key'], { cancelSignal: opts.signal });
    await mkdir(dir, { recursive: true });
    await rename(path.join(tmp, LOCAL_BOX_FILE), path.join(dir, LOCAL_BOX_FILE));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  // Older boxes (another image or init) are not used again.
  for (const e of await readdir(root)) if (e !== key && !e.startsWith('.build-')) await rm(path.join(root, e), { recursive: true, force: true });
  return { file: path.join(dir, LOCAL_BOX_FILE), image };
}
