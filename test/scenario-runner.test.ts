import test from 'ava';
import { execa } from 'execa';
import { stepCommand } from '../harness/scenarios/steps.js';

const fx = { testModule: "/opt/m o'd;$(x).ko", loader32: '/opt/loader32', loader64: '/opt/loader64', moduleName: 'audit_test_mod' };

test('a hostile module path reaches the command as one word (checked with the real sh)', async (t) => {
  const cmd = stepCommand({ id: 'a', path: 'insmod', as: 'root', do: 'insmod' }, fx);
  const { stdout } = await execa('sh', ['-c', `insmod() { printf '%s\\n' "$#" "$1"; }; ${cmd}`]);
  t.deepEqual(stdout.split('\n'), ['1', fx.testModule]);
});

test('the 32-bit loader is chosen for loader: "32"', (t) => {
  t.true(stepCommand({ id: 'a', path: 'loader32:finit_module', as: 'root', do: 'finit_module', loader: '32' }, fx).startsWith('/opt/loader32 finit_module'));
});

test('sudo and user steps set loginuid 1000 first', (t) => {
  const s = stepCommand({ id: 'a', path: 'rmmod', as: 'sudo', do: 'rmmod' }, fx);
  t.regex(s, /1000 > \/proc\/self\/loginuid/);
  t.regex(s, /sudo -n rmmod audit_test_mod/);
});

import { parseLog } from '../harness/audit/records/index.js';
import { evaluate, eventsOfStep } from '../harness/scenarios/evaluate.js';

const log = [
  'type=USER msg=audit(1700000000.100:10): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'text=audit-harness step=load begin exe="/usr/sbin/auditctl" hostname=? addr=? terminal=? res=success\'',
  'type=SYSCALL msg=audit(1700000000.200:11): arch=c000003e syscall=313 success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm="insmod" exe="/usr/bin/kmod" key="modules"',
  'type=KERN_MODULE msg=audit(1700000000.200:11): name="audit_test_mod"',
  'type=PROCTITLE msg=audit(1700000000.200:11): proctitle=696E736D6F64',
  'type=USER msg=audit(1700000000.300:12): pid=1 uid=0 auid=4294967295 ses=4294967295 msg=\'text=audit-harness step=load end exe="/usr/sbin/auditctl" hostname=? addr=? terminal=? res=success\'',
].join('\n') + '\n';

test('events between a step\'s markers are attributed to it; expectations and gaps evaluate', (t) => {
  const { events } = parseLog(log);
  const inLoad = eventsOfStep(events, { id: 'load', begin: 10, end: 12 });
  t.deepEqual(inLoad.map((e) => e.serial), [11]);
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, records: ['SYSCALL', 'KERN_MODULE', 'PROCTITLE'], fields: { 'KERN_MODULE.name': { regex: 'audit_test_mod' } } }, inLoad).outcome, 'pass');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, absent: true, reason: 'r', reference: 'u' }, inLoad).outcome, 'fail', 'a contradicted gap is a fail');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, absent: true, reason: 'r', reference: 'u' }, []).outcome, 'gap');
  t.is(evaluate({ step: 'load', key: 'modules', exactKey: true, records: ['EXECVE'] }, inLoad).outcome, 'fail');
});
