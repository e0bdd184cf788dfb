// The boot timeline's parsing (harness/targets/qemu/timeline.ts): /init's marks from console text as it arrives,
// and the rows `vm exec --timings` prints.
import test from 'ava';
import { parseGuestMarks, timelineRows } from '../harness/targets/qemu/timeline.js';

test('marks: whole lines only, so a chunk that ends mid-line is not read as a mark', (t) => {
  const text = 'noise\r\naudit-harness-init: t=3.04 /init started\r\n[ 3.1] audit: x\r\naudit-harness-init: t=3.90 auditd started\r\naudit-harness-init: t=4.3';
  t.deepEqual(parseGuestMarks(text), [
    { t: 3.04, what: '/init started' },
    { t: 3.9, what: 'auditd started' },
  ]);
  t.deepEqual(parseGuestMarks(`${text}8 ready\n`).at(-1), { t: 4.38, what: 'ready' });
});

test('rows: host steps and guest marks, the guest t=0 placed by READY', (t) => {
  const at = (ms: number) => 1_000_000 + ms;
  const steps = [
    { step: 'image', at: at(100) },
    { step: 'qemu start', at: at(150) },
    { step: 'guest init', detail: 't=3.00 /init started', at: at(4000) },
    { step: 'guest init', detail: 't=3.50 drivers loaded', at: at(4500) },
    { step: 'guest init', detail: 't=4.00 ready', at: at(5000) },
    { step: 'guest ready', at: at(5150) },
    { step: 'ssh connected', at: at(5400) },
    { step: 'command', at: at(5600) },
    { step: 'closed', at: at(5620) },
  ];
  const rows = timelineRows(steps, { nodeStartMs: 400, originAt: at(0) });
  t.deepEqual(rows.map((r) => [r.phase, Math.round(r.ms), r.clock]), [
    ["node's start (process.uptime at the command's entry)", 400, 'host'],
    ['image resolution (ensureImage)', 100, 'host'],
    ['accelerator choice, port, qemu spawn', 50, 'host'],
    ["qemu + firmware + kernel decompression (to the guest's t=0)", 1000, 'host'],
    ['kernel to /init (/init started)', 3000, 'guest'],
    ['drivers loaded', 500, 'guest'],
    ['ready', 500, 'guest'],
    ['READY seen to ssh login done', 250, 'host'],
    ['the command', 200, 'host'],
    ['teardown (qemu killed, temp dir removed)', 20, 'host'],
  ]);
});
