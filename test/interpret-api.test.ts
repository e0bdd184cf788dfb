// The agreed interpretation API on hand-made records (expected texts come from ausearch 3.0.9's
// documented output in the module-record RFE and are also covered by the differential tests).
import test from 'ava';
import { interpretField, interpretRecord } from '../harness/audit/records/interpret/index.js';
import type { AuditEvent, AuditRecord } from '../harness/audit/records/types.js';

function record(type: string, body: Array<[string, string]>): { record: AuditRecord; event: AuditEvent } {
  const r: AuditRecord = {
    type,
    sec: 1,
    msec: 0,
    serial: 1,
    fields: body.map(([name, value]) => ({ name, value })),
    raw: '',
    line: 1,
  };
  return { record: r, event: { sec: 1, msec: 0, serial: 1, records: [r] } };
}

test('interpretRecord keeps field order and names', (t) => {
  const { record: r, event } = record('SYSCALL', [
    ['arch', 'c000003e'],
    ['syscall', '176'],
    ['success', 'yes'],
    ['exit', '0'],
    ['a0', '55fdf8a10268'],
    ['a1', '800'],
    ['auid', '4294967295'],
    ['uid', '0'],
    ['ses', '4294967295'],
    ['comm', '"rmmod"'],
    ['key', '(null)'],
  ]);
  t.deepEqual(interpretRecord(r, event), [
    { name: 'arch', value: 'x86_64' },
    { name: 'syscall', value: 'delete_module' },
    { name: 'success', value: 'yes' },
    { name: 'exit', value: '0' },
    { name: 'a0', value: '0x55fdf8a10268' },
    { name: 'a1', value: '0x800' },
    { name: 'auid', value: 'unset' },
    { name: 'uid', value: 'root' },
    { name: 'ses', value: 'unset' },
    { name: 'comm', value: 'rmmod' },
    { name: 'key', value: '(null)' },
  ]);
});

test('syscall names follow the record arch', (t) => {
  const ctx = record('SYSCALL', [
    ['arch', '40000003'],
    ['syscall', '129'],
  ]);
  t.is(interpretField(ctx, 'arch', '40000003'), 'i386');
  t.is(interpretField(ctx, 'syscall', '129'), 'delete_module');
});

test('KERN_MODULE name and PROCTITLE are decoded', (t) => {
  t.is(interpretField(record('KERN_MODULE', [['name', '"mymodule"']]), 'name', '"mymodule"'), 'mymodule');
  const p = record('PROCTITLE', [['proctitle', '2F7362696E2F726D6D6F64006D796D6F64756C65']]);
  t.is(interpretField(p, 'proctitle', '2F7362696E2F726D6D6F64006D796D6F64756C65'), '/sbin/rmmod mymodule');
});

test('errno exits read NAME(text)', (t) => {
  const ctx = record('SYSCALL', [['arch', 'c000003e']]);
  t.is(interpretField(ctx, 'exit', '-2'), 'ENOENT(No such file or directory)');
  t.is(interpretField(ctx, 'exit', '-38'), 'ENOSYS(Function not implemented)');
});

test.serial('uid and gid names can come from a guest account database', async (t) => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { setAccountFiles } = await import('../harness/audit/records/interpret/index.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'interpret-accounts-'));
  try {
    await writeFile(path.join(dir, 'passwd'), 'root:x:0:0::/root:/bin/bash\nguest:x:1000:1000::/home/guest:/bin/bash\nguest2:x:1000:1000::/:/bin/sh\n');
    await writeFile(path.join(dir, 'group'), 'root:x:0:\nguests:x:1000:\n');
    setAccountFiles({ passwd: path.join(dir, 'passwd'), group: path.join(dir, 'group') });
    const ctx = record('SYSCALL', [['arch', 'c000003e']]);
    t.is(interpretField(ctx, 'auid', '1000'), 'guest');
    t.is(interpretField(ctx, 'gid', '1000'), 'guests');
    t.is(interpretField(ctx, 'uid', '1001'), 'unknown(1001)');
    t.is(interpretField(ctx, 'uid', '4294967295'), 'unset');
  } finally {
    setAccountFiles({ passwd: '/etc/passwd', group: '/etc/group' });
    await rm(dir, { recursive: true, force: true });
  }
});
