// Where a guest's boot time goes: /init prints `audit-harness-init: t=<uptime> <phase>` on the console (the
// guest's /proc/uptime, counted from the kernel's clock start), the host notes when it saw each of its own steps.
// `vm exec --timings` and the qemu bench turn both into one table.

/** One phase mark from the guest's /init: guest uptime in seconds and what had just finished. */
export interface GuestMark {
  t: number;
  what: string;
}

// Only whole lines: console output arrives in chunks that may end mid-line.
const MARK = /audit-harness-init: t=(\d+(?:\.\d+)?) ([^\r\n]*)\r?\n/g;

/** Every complete `audit-harness-init: t=… phase` line of a console log, in order. */
export function parseGuestMarks(consoleText: string): GuestMark[] {
  const marks: GuestMark[] = [];
  for (const m of consoleText.matchAll(MARK)) marks.push({ t: Number(m[1]), what: m[2].trim() });
  return marks;
}

/** A host step as the progress callback reported it, at host time `at` (ms, any origin shared by all steps). */
export interface HostStep {
  step: string;
  detail?: string;
  at: number;
}

export interface TimelineRow {
  phase: string;
  ms: number;
  /** Which clock measured it. */
  clock: 'host' | 'guest';
}

/**
 * Rows from host steps (progress steps: `image`, `qemu start`, `guest init` with detail `t=… phase`,
 * `guest ready`, `ssh connected`, then whatever the caller adds) and the node start offset.
 * The guest's marks split the time between qemu's start and READY; what precedes the guest's t=0 (qemu, firmware,
 * kernel decompression) is READY's host time minus READY's guest time.
 */
export function timelineRows(steps: readonly HostStep[], opts: { nodeStartMs?: number; originAt: number }): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const first = (name: string) => steps.find((s) => s.step === name);
  const last = (name: string) => [...steps].reverse().find((s) => s.step === name);
  if (opts.nodeStartMs !== undefined) rows.push({ phase: "node's start (process.uptime at the command's entry)", ms: opts.nodeStartMs, clock: 'host' });
  const image = first('image');
  const qemuStart = last('qemu start');
  if (image) rows.push({ phase: 'image resolution (ensureImage)', ms: image.at - opts.originAt, clock: 'host' });
  const accelFrom = image ?? (qemuStart ? { at: opts.originAt } : undefined);
  if (accelFrom && qemuStart) rows.push({ phase: 'accelerator choice, port, qemu spawn', ms: qemuStart.at - accelFrom.at, clock: 'host' });
  const ready = last('guest ready');
  const marks = steps
    .filter((s) => s.step === 'guest init' && s.detail)
    .flatMap((s) => parseGuestMarks(`audit-harness-init: ${s.detail}\n`));
  const readyMark = [...marks].reverse().find((m) => m.what === 'ready');
  if (qemuStart && ready && readyMark) {
    rows.push({ phase: "qemu + firmware + kernel decompression (to the guest's t=0)", ms: ready.at - qemuStart.at - readyMark.t * 1000, clock: 'host' });
    let prev = 0;
    for (const m of marks) {
      rows.push({ phase: prev === 0 ? `kernel to /init (${m.what})` : m.what, ms: (m.t - prev) * 1000, clock: 'guest' });
      prev = m.t;
    }
  } else if (qemuStart && ready) {
    rows.push({ phase: 'qemu start to READY (no /init marks on the console)', ms: ready.at - qemuStart.at, clock: 'host' });
  }
  let at = ready?.at;
  for (const name of ['ssh connected', 'command', 'closed']) {
    const s = last(name);
    if (!s || at === undefined) continue;
    // The handshake starts at SSH-OPEN, before READY (it overlaps augenrules); this row is what is left of it after.
    const label = { 'ssh connected': 'READY seen to ssh login done', command: 'the command', closed: 'teardown (qemu killed, temp dir removed)' }[name]!;
    rows.push({ phase: label, ms: s.at - at, clock: 'host' });
    at = s.at;
  }
  return rows;
}

export function formatTimeline(rows: readonly TimelineRow[], totalMs?: number): string {
  const width = Math.max(...rows.map((r) => r.phase.length), 10);
  const lines = rows.map((r) => `  ${r.phase.padEnd(width)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${r.clock === 'guest' ? '(guest clock)' : ''}`.trimEnd());
  if (totalMs !== undefined) lines.push(`  ${'total (node start to exit)'.padEnd(width)} ${(totalMs / 1000).toFixed(2).padStart(6)} s`);
  return lines.join('\n');
}
