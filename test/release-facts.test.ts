// The release-facts layer: what kmod's version and the kernel's decompression imply, `when:` conditions, the
// guest probe's parser, and the simulator's profiles.
import test from 'ava';
import { conditionsHold, describeConditions } from '../harness/releases/conditions.js';
import { deriveFacts, type GuestFacts } from '../harness/releases/facts.js';
import { parseProbe } from '../harness/releases/probe.js';
import { loadProfile, profileIds } from '../harness/sim/profile.js';

const bookworm: GuestFacts = {
  arch: 'x86_64', kernel: '6.1.0-57-cloud-amd64', kmod: 30, moduleCompression: 'none', kernelDecompression: 'none',
  usrMerge: true, sh: 'dash', auditd: '3.0.9', logFormat: 'ENRICHED', ia32Emulation: true, kernModule: true,
};

test('kmod before 31 decompresses a .ko.xz itself and calls init_module, even where the kernel could decompress it', (t) => {
  t.is(deriveFacts(bookworm).xzSyscall, 'init_module');
  t.is(deriveFacts({ ...bookworm, kernelDecompression: 'xz', moduleCompression: 'xz' }).xzSyscall, 'init_module');
  t.is(deriveFacts({ ...bookworm, kernelDecompression: 'xz', moduleCompression: 'xz' }).distroModuleSyscall, 'init_module');
});

test('kmod 31 and later hand a compressed module to finit_module only when the kernel decompresses that format', (t) => {
  const trixie = deriveFacts({ ...bookworm, kmod: 34, kernelDecompression: 'xz', moduleCompression: 'xz' });
  t.is(trixie.xzSyscall, 'finit_module');
  t.is(trixie.distroModuleSyscall, 'finit_module');
  const rhel10 = deriveFacts({ ...bookworm, kmod: 31, kernelDecompression: 'none', moduleCompression: 'xz' });
  t.is(rhel10.xzSyscall, 'init_module');
  const zstdKernel = deriveFacts({ ...bookworm, kmod: 31, kernelDecompression: 'zstd', moduleCompression: 'zstd' });
  t.is(zstdKernel.xzSyscall, 'init_module', 'a .ko.xz on a zstd-decompressing kernel falls back to init_module');
  t.is(zstdKernel.distroModuleSyscall, 'finit_module');
  t.is(deriveFacts(bookworm).koSyscall, 'finit_module');
});

test('when: conditions compare versions numerically, match values or lists, and name unknown facts', (t) => {
  const f = deriveFacts(bookworm);
  t.true(conditionsHold({ kmod: '<31' }, f));
  t.false(conditionsHold({ kmod: '>=31' }, f));
  t.true(conditionsHold({ kernel: '>=6.1', arch: 'x86_64' }, f));
  t.false(conditionsHold({ kernel: '>=6.10' }, f));
  t.true(conditionsHold({ xzSyscall: ['init_module', 'finit_module'] }, f));
  t.false(conditionsHold({ xzSyscall: 'finit_module' }, f));
  t.true(conditionsHold({ ia32Emulation: true }, f));
  t.true(conditionsHold({ kernModule: true }, f));
  t.false(conditionsHold({ kernModule: true }, deriveFacts({ ...bookworm, kernModule: false })));
  t.is(describeConditions({ kernModule: true, xzSyscall: 'init_module' }), 'kernModule = true, xzSyscall = init_module');
  t.is(describeConditions({ kmod: '>= 31', kernelDecompression: 'xz' }), 'kmod >=31, kernelDecompression = xz');
  t.throws(() => conditionsHold({ nosuch: 1 } as never, f), { message: /does not know the fact nosuch/ });
});

test('the guest probe\'s output is read into facts, and an unreadable fact is named', (t) => {
  const out = ['arch=x86_64', 'kernel=6.12.57+deb13-cloud-amd64', 'kmod=34', 'kernelDecompression=xz', 'moduleCompression=xz', 'usrMerge=true', 'sh=dash', 'auditd=4.0.2', 'logFormat=ENRICHED', 'ia32Emulation=true', 'kernModule=true'].join('\n');
  const { facts } = parseProbe(out, 'qemu:x');
  t.is(facts.kmod, 34);
  t.true(facts.kernModule);
  t.is(deriveFacts(facts).distroModuleSyscall, 'finit_module');
  t.false(parseProbe(out.replace('kernModule=true', 'kernModule=false'), 'qemu:x').facts.kernModule);
  t.throws(() => parseProbe(out.replace('kmod=34', 'kmod='), 'qemu:x'), { message: /qemu:x: cannot read the fact kmod/ });
  // No symbol table to read is no answer, never a "false".
  t.throws(() => parseProbe(out.replace('kernModule=true', 'kernModule=unknown'), 'qemu:x'), { message: /qemu:x: cannot read the fact kernModule from the guest \(it said "unknown"\)/ });
  t.throws(() => parseProbe(out.replace('kernModule=true\n', '').replace('\nkernModule=true', ''), 'qemu:x'), { message: /cannot read the fact kernModule/ });
});

test('every simulator profile loads, states a source for each fact, and its kernel release is of its stated kernel', (t) => {
  const ids = profileIds();
  t.true(ids.includes('debian12-amd64') && ids.includes('debian12-i686'));
  for (const id of ids) {
    const p = loadProfile(id);
    for (const [name, fact] of Object.entries(p.facts)) t.true(fact.source.length > 3, `${id}: ${name} has a source`);
    t.true(p.kernelRelease.startsWith(p.facts.kernel.value), id);
  }
});
