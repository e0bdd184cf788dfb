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
