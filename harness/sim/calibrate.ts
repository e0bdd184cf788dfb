// Calibration of the simulator against the real kernel: for every step of every scenario that ran on a real
// target, the simulated events must be the same as the logged ones, field for field where the model claims to
// know (arch, syscall, result, ids, comm, exe, key, record types, KERN_MODULE name, PATH names), and every
// expectation must come out the same.
import type { AuditEvent } from '../audit/records/types.js';
import type { RunResult } from '../scenarios/result.js';

const SYSCALL_FIELDS = ['arch', 'syscall', 'success', 'exit', 'uid', 'euid', 'auid', 'comm', 'exe', 'key'];

export function eventSignature(e: AuditEvent): string {
  const field = (type: string, name: string) => e.records.find((r) => r.type === type)?.fields.find((f) => f.name === name)?.value;
  const paths = e.records.filter((r) => r.type === 'PATH').map((r) => r.fields.find((f) => f.name === 'name')?.value ?? '?');
  return [
    ...SYSCALL_FIELDS.map((n) => `${n}=${field('SYSCALL', n) ?? '-'}`),
    `records=${e.records.map((r) => r.type).join(',')}`,
    `module=${field('KERN_MODULE', 'name') ?? '-'}`,
    `paths=${paths.join(',')}`,
  ].join(' ');
}

export interface Mismatch {
  scenario: string;
  target: string;
  what: string;
  real: string;
  sim: string;
}

/** Compares a real run with a simulated run of the same plan (targets qemu:X against sim:X). */
export function compareWithKernel(real: RunResult, sim: RunResult): { compared: number; mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  let compared = 0;
  for (const r of real.results) {
    if (r.outcome === 'not-applicable' || r.outcome === 'error') continue;
    const simTarget = r.target.replace(/^[a-z]+:/, 'sim:');
    const s = sim.results.find((x) => x.scenarioId === r.scenarioId && x.target === simTarget);
    const at = { scenario: r.scenarioId, target: r.target };
    if (!s) {
      mismatches.push({ ...at, what: 'no simulated result', real: r.outcome, sim: '(none)' });
      continue;
    }
    if (s.outcome !== r.outcome) mismatches.push({ ...at, what: 'outcome', real: r.outcome, sim: `${s.outcome}${s.error ? `: ${s.error}` : ''}` });
    for (const x of r.expectations) {
      const y = s.expectations.find((e) => e.description === x.description);
      if (y && y.outcome !== x.outcome) mismatches.push({ ...at, what: x.description, real: x.outcome, sim: y.outcome });
    }
    for (const st of r.steps) {
      compared++;
      const ss = s.steps.find((x) => x.id === st.id);
      const want = st.events.map(eventSignature).sort().join('\n');
      const got = (ss?.events ?? []).map(eventSignature).sort().join('\n');
      if (want !== got) mismatches.push({ ...at, what: `events of step ${st.id}`, real: want || '(none)', sim: got || '(none)' });
    }
  }
  return { compared, mismatches };
}
