// `vm shell` under a real pty (util-linux `script`): a root shell with a terminal of the caller's
// size, what is typed reaches it, its exit status becomes the harness's, and the VM is gone after.
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';

const cli = path.join(repoRoot, 'dist', 'harness', 'cli.js');

test('vm shell: interactive root shell on a pty, window size, exit status', async (t) => {
  const inner = `stty rows 33 cols 101; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} vm shell qemu:debian12-amd64`;
  const child = spawn('script', ['-qec', inner, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const deadline = Date.now() + 120_000;
  while (!/root@debian12-amd64:~# /.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      t.fail(`no prompt; output:\n${out}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stdin.write('echo "id=$(id -u) tty=$(tty) size=$(stty size)"; exit 5\r');
  const code = await exit;
  t.is(code, 5);
  t.regex(out, /id=0 tty=\/dev\/pts\/\d+ size=33 101/);
  // Progress went to stderr (the same pty here); it names the run's temp dir.
  const dir = /console (\/\S+)\/console\.log/.exec(out)?.[1];
  t.truthy(dir);
  t.is(spawnSync('pgrep', ['-a', '-f', dir!], { encoding: 'utf8' }).stdout, '');
  t.false(existsSync(dir!));
});
