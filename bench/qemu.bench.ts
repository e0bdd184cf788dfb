// The cost of a guest, per real target (knownTargets), in one run: the bare boot (the image's kernel with the same
// qemu command line and an initramfs that powers off at once, harness/targets/qemu/bare-boot.ts), then
// `audit-harness vm exec TARGET -- true` end to end (a fresh node process, as a user runs it), best of 5 each,
// interleaved so that the shared machine's load falls on both alike (on this 2-core machine one bare boot takes
// 1.9-2.8 s from round to round with nothing else running, so the best of 3 moved the ratio by ~0.2).
// Target: vm exec at most 2x the bare boot. The timeline of the best vm exec (`--timings`) follows each target's line.
import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureImage } from '../harness/images/index.js';
import { repoRoot } from '../harness/paths.js';
import { knownTargets, parseTargetSpec } from '../harness/targets/index.js';
import { accelChoiceFromEnv, resolveAccel } from '../harness/targets/qemu/index.js';
import { bareBoot, makeBareInitramfs } from '../harness/targets/qemu/bare-boot.js';

const RUNS = 5;
const TARGET_RATIO = 2;
const cli = path.join(repoRoot, 'dist/harness/cli.js');

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Row {
  spec: string;
  accel: string;
  image: number;
  bare: number[];
  exec: number[];
  timeline: string;
}

async function timeVmExec(spec: string): Promise<{ ms: number; timeline: string }> {
  const t0 = Date.now();
  const r = await execa(process.execPath, [cli, 'vm', 'exec', '-q', '--timings', spec, '--', 'true'], { reject: false, stdin: 'ignore' });
  const ms = Date.now() - t0;
  if (r.exitCode !== 0) throw new Error(`vm exec ${spec} -- true exited ${r.exitCode}:\n${r.stderr}`);
  return { ms, timeline: r.stderr.trimEnd() };
}

export async function run(): Promise<void> {
  const only = process.env.AUDIT_HARNESS_BENCH_TARGETS?.split(',').map((x) => x.trim());
  const specs = knownTargets.map((k) => k.spec).filter((k) => k.startsWith('qemu:') && (!only || only.includes(k)));
  const rows: Row[] = [];
  for (const spec of specs) {
    const { id } = parseTargetSpec(spec);
    const t0 = Date.now();
    const image = await ensureImage(id); // built here if not cached, so that no vm exec below pays for it
    const imageMs = Date.now() - t0;
    const m = image.manifest;
    const accel = (await resolveAccel(accelChoiceFromEnv(), { qemuBinary: m.qemuBinary, machine: m.machine, cpu: m.cpu, kernel: path.join(image.dir, m.files.kernel) })).accel;
    const bare = await makeBareInitramfs(image);
    const row: Row = { spec, accel, image: imageMs, bare: [], exec: [], timeline: '' };
    try {
      let best = Infinity;
      for (let i = 0; i < RUNS; i++) {
        row.bare.push(await bareBoot(image, bare.initrd, accel));
        const e = await timeVmExec(spec);
        row.exec.push(e.ms);
        if (e.ms < best) {
          best = e.ms;
          row.timeline = e.timeline;
        }
      }
    } finally {
      await rm(bare.dir, { recursive: true, force: true });
    }
    const ratio = Math.min(...row.exec) / Math.min(...row.bare);
    console.log(`${spec} (${accel}): image check ${s(imageMs)}; bare boot best ${s(Math.min(...row.bare))} [${row.bare.map(s).join(', ')}]; `
      + `vm exec -- true best ${s(Math.min(...row.exec))} [${row.exec.map(s).join(', ')}]; ratio ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'ok' : 'MISSED'})`);
    console.log(row.timeline.replace(/^/gm, '    '));
    rows.push(row);
  }
  console.log(`\n| target | bare boot | vm exec -- true | ratio |\n|---|---|---|---|`);
  for (const r of rows) {
    const b = Math.min(...r.bare);
    const e = Math.min(...r.exec);
    console.log(`| ${r.spec} (${r.accel}) | ${s(b)} | ${s(e)} | ${(e / b).toFixed(2)}x${e / b <= TARGET_RATIO ? '' : ' MISSED'} |`);
  }
}
