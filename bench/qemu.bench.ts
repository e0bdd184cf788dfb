// QemuTarget timings per image: image build (cold if not cached, else the cached check), warm
// boot to ssh-ready (best and median of 3), and a scenario-sized batch of 20 execs.
// Targets: boot-to-ready under 8 s per image under TCG; image check from cache under 1 s.
import path from 'node:path';
import { ensureImage, imagesDir } from '../harness/images/index.js';
import { existsSync, readdirSync } from 'node:fs';
import { QemuTarget } from '../harness/targets/qemu/index.js';

const IMAGES = ['debian12-amd64', 'debian12-i686'];
const BOOTS = 3;
const BATCH = 20;

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

export async function run(): Promise<void> {
  for (const id of IMAGES) {
    const dir = path.join(imagesDir(), id);
    const hadCache = existsSync(dir) && readdirSync(dir).some((n) => !n.startsWith('.'));
    let t0 = Date.now();
    const image = await ensureImage(id);
    const buildMs = Date.now() - t0;
    console.log(`${id}: image ${hadCache ? 'cached check' : 'cold build'} ${s(buildMs)}${hadCache ? ` (target < 1 s: ${buildMs < 1000 ? 'ok' : 'MISSED'})` : ''}`);

    const boots: number[] = [];
    const batches: number[] = [];
    let accel = '';
    for (let i = 0; i < BOOTS; i++) {
      t0 = Date.now();
      const vm = await QemuTarget.boot(image);
      try {
        boots.push(Date.now() - t0);
        accel = vm.accel;
        if (i === 0) {
          // Counted from the first boot only: the accel probe (cached on disk) is inside it.
          t0 = Date.now();
          for (let j = 0; j < BATCH; j++) {
            const r = await vm.exec(['sh', '-c', `echo ${j} > /tmp/n; cat /tmp/n`]);
            if (r.code !== 0 || r.stdout !== `${j}\n`) throw new Error(`${id}: exec ${j} gave ${JSON.stringify(r)}`);
          }
          batches.push(Date.now() - t0);
        }
      } finally {
        await vm.close();
      }
    }
    const best = Math.min(...boots);
    const med = median(boots);
    console.log(`${id}: boot to ssh-ready (${accel}) best ${s(best)}, median ${s(med)} of ${BOOTS} [${boots.map(s).join(', ')}] (target < 8 s: ${med < 8000 ? 'ok' : 'MISSED'})`);
    console.log(`${id}: ${BATCH} execs ${s(batches[0])} (${(batches[0] / BATCH).toFixed(0)} ms each)`);
  }
}
