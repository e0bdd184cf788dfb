// A guest you can drive (issue 17), on a real qemu guest: one `vm start`, then several `vm exec HANDLE` for stdin,
// a 100 KB command, --put/--get after a failing command, state kept between commands of one boot,
// `vm shell HANDLE`, `vm stop --all` leaving nothing; a second guest with a 20 s lifetime that must be gone by itself.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, cliPath, privateCache, processesNaming, running } from './vm-cli.js';

const TARGET = 'qemu:debian12-amd64';

test('vm start, then exec HANDLE: piped stdin, a 100 KB command, --put/--get after a failing command, two commands on one boot, vm shell HANDLE, stop --all leaves nothing', async (t) => {
  const cache = privateCache();
  const work = mkdtempSync(path.join(os.tmpdir(), 'audit-harness-vmexec-'));
  let handle = '';
  try {
    const started = await cli(['vm', 'start', '-q', '--lifetime', '600', TARGET], { env: cache.env });
    t.is(started.code, 0, started.stderr);
    handle = started.stdout.trim();
    t.regex(handle, /^debian12-amd64-[0-9a-f]{6}$/);
    t.log(`vm start: ${started.ms} ms`);
    // The handle dir and what is in it are the user's only.
    const hdir = path.join(cache.vmsDir, handle);
    t.is(statSync(cache.vmsDir).mode & 0o777, 0o700);
    t.is(statSync(hdir).mode & 0o777, 0o700);
    for (const f of ['handle.json', 'client_key']) t.is(statSync(path.join(hdir, f)).mode & 0o777, 0o600, f);
    const { pid } = JSON.parse(readFileSync(path.join(hdir, 'handle.json'), 'utf8')) as { pid: number };

    const listed = await cli(['vm', 'list'], { env: cache.env });
    t.regex(listed.stdout, new RegExp(`running guests:\\n.*\\n${handle} +${TARGET} +\\d+s +\\d+m\\d+s +127\\.0\\.0\\.1:\\d+\\n`));

    // 1. stdin: a script piped into bash -s runs and its output comes back; a pipe's end ends the command's stdin.
    const piped = await cli(['vm', 'exec', '-q', handle, '--', 'bash', '-s', '--', 'a1'], { env: cache.env, input: 'echo "kernel $(uname -r)"\necho "args: $# $1"\nexit 4\n' });
    t.is(piped.code, 4, piped.stderr);
    t.regex(piped.stdout, /^kernel \d+\.\d+\.\d+-\S+\nargs: 1 a1\n$/);
    const data = 'x'.repeat(300_000);
    const cat = await cli(['vm', 'exec', '-q', handle, '--', 'sh', '-c', 'wc -c; echo done'], { env: cache.env, input: data });
    t.is(cat.stdout, '300000\ndone\n');
    // Without piped stdin (here /dev/null) the command gets EOF at once, as before.
    const noInput = await cli(['vm', 'exec', '-q', handle, '--', 'wc', '-c'], { env: cache.env });
    t.is(noInput.stdout, '0\n');
    t.log(`vm exec HANDLE (stdin script): ${piped.ms} ms; 300 KB on stdin: ${cat.ms} ms; no stdin: ${noInput.ms} ms`);

    // 2. A command of 100 KB (dropbear refuses exec requests over ~9 KB): runs, its temp file does not stay.
    const long = `echo begin; : ${'y'.repeat(100_000)}; echo "end $#"; ls /tmp | grep -c audit-harness-cmd- || true`;
    const big = await cli(['vm', 'exec', '-q', handle, '--', 'sh', '-c', long, 'sh', 'a1', 'a2'], { env: cache.env });
    t.is(big.code, 0, big.stderr);
    t.is(big.stdout, 'begin\nend 2\n0\n');
    t.log(`vm exec HANDLE with a ${long.length}-byte command: ${big.ms} ms`);

    // 3. --put a directory and a file, a command that fails, --get whatever it wrote, exit status = the command's.
    const src = path.join(work, 'src');
    mkdirSync(path.join(src, 'sub'), { recursive: true });
    writeFileSync(path.join(src, 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
    writeFileSync(path.join(src, 'sub', 'bin'), Buffer.from([0, 1, 2, 255, 10, 13, 0]));
    writeFileSync(path.join(work, 'one.txt'), 'one file\n');
    const failing = await cli([
      'vm', 'exec', '-q', handle, '--put', `${src}:/root/in`, '--put', path.join(work, 'one.txt'),
      '--get', `/root/out:${path.join(work, 'out')}`, '--get', `/root/in/sub/bin:${path.join(work, 'bin.copy')}`,
      '--', 'sh', '-c', 'mkdir -p /root/out/deep && /root/in/run.sh > /root/out/deep/log && cat /root/one.txt > /root/out/copy && exit 9',
    ], { env: cache.env });
    t.is(failing.code, 9, failing.stderr);
    t.is(readFileSync(path.join(work, 'out', 'deep', 'log'), 'utf8'), 'ran\n');
    t.is(readFileSync(path.join(work, 'out', 'copy'), 'utf8'), 'one file\n');
    t.deepEqual(readFileSync(path.join(work, 'bin.copy')), Buffer.from([0, 1, 2, 255, 10, 13, 0]));
    // A --get of something that does not exist: named on stderr; the command's failure status is kept.
    const missing = await cli(['vm', 'exec', '-q', handle, '--get', '/root/nope', '--', 'false'], { env: cache.env, cwd: work });
    t.is(missing.code, 1);
    t.regex(missing.stderr, /--get \/root\/nope: no such file or directory/);

    // 4. Two commands on one boot: the second sees what the first wrote, in the same kernel boot, same qemu.
    const first = await cli(['vm', 'exec', '-q', handle, '--', 'sh', '-c', 'cat /proc/sys/kernel/random/boot_id > /root/boot; echo first'], { env: cache.env });
    const second = await cli(['vm', 'exec', '-q', handle, '--', 'sh', '-c', 'cmp /root/boot /proc/sys/kernel/random/boot_id && echo same-boot; ls -l /root/in/run.sh'], { env: cache.env });
    t.is(first.stdout, 'first\n');
    t.regex(second.stdout, /^same-boot\n-rwxr-xr-x .* \/root\/in\/run\.sh\n$/);
    // Still running after the execs: qemu and its lifetime watchdog (a subshell of it may show the same cmdline).
    const procs = processesNaming(hdir);
    t.is(procs.filter((p) => /qemu-system/.test(p)).length, 1, procs.join('\n'));
    t.true(procs.some((p) => /audit-harness-lifetime/.test(p)), procs.join('\n'));
    t.true(running(pid));

    // vm shell HANDLE: an interactive root shell (on a pty, util-linux `script`) in the same running guest.
    const shell = spawn('script', ['-qec', `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} vm shell -q ${handle}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: cache.env });
    let shellOut = '';
    shell.stdout.on('data', (d: Buffer) => (shellOut += d.toString()));
    const shellExit = new Promise<number | null>((resolve) => shell.on('exit', (c) => resolve(c)));
    const promptBy = Date.now() + 60_000;
    while (!/root@debian12-amd64:~# /.test(shellOut) && Date.now() < promptBy && shell.exitCode === null) await sleep(100);
    // Prints shell-same-boot-42 (the echoed input line shows $((6*7)), not 42) only in the boot of step 4.
    shell.stdin.write('cmp /root/boot /proc/sys/kernel/random/boot_id && echo shell-same-boot-$((6*7))\r');
    await sleep(1000);
    shell.stdin.write('exit 6\r');
    const shellTimer = setTimeout(() => shell.kill('SIGKILL'), 30_000);
    t.is(await shellExit, 6, shellOut);
    clearTimeout(shellTimer);
    t.regex(shellOut, /\nshell-same-boot-42\r*\n/);

    // 5. stop --all: no qemu, no watchdog, no handle files.
    const stopped = await cli(['vm', 'stop', '--all'], { env: cache.env });
    t.is(stopped.code, 0, stopped.stderr);
    t.is(stopped.stderr, `stopped ${handle}\n`);
    t.deepEqual(processesNaming(cache.dir), []);
    t.false(running(pid));
    t.deepEqual(readdirSync(cache.vmsDir), []);
    const after = await cli(['vm', 'exec', '-q', handle, '--', 'true'], { env: cache.env });
    t.is(after.code, 2);
    t.regex(after.stderr, new RegExp(`^audit-harness: no running guest "${handle}"`));
    handle = '';
  } finally {
    if (handle) await cli(['vm', 'stop', '--all'], { env: cache.env });
    cache.remove();
    rmSync(work, { recursive: true, force: true });
  }
});

test('a started guest past its lifetime limit is gone, and so is its handle', async (t) => {
  const cache = privateCache();
  try {
    const started = await cli(['vm', 'start', '-q', '--lifetime', '20', TARGET], { env: cache.env });
    t.is(started.code, 0, started.stderr);
    const handle = started.stdout.trim();
    const hdir = path.join(cache.vmsDir, handle);
    const { pid, startedAt } = JSON.parse(readFileSync(path.join(hdir, 'handle.json'), 'utf8')) as { pid: number; startedAt: number };
    const alive = await cli(['vm', 'exec', '-q', handle, '--', 'true'], { env: cache.env });
    t.is(alive.code, 0);
    // Nothing of the harness runs from here on: the guest's timer and the host watchdog end it by themselves.
    while (running(pid) && Date.now() - startedAt < 40_000) await sleep(250);
    const goneAfter = Date.now() - startedAt;
    t.false(running(pid), 'qemu still running 40 s after a 20 s lifetime');
    t.true(goneAfter >= 19_000, `gone after ${goneAfter} ms`);
    t.log(`qemu gone ${goneAfter} ms after start (limit 20000 ms)`);
    // The watchdog removes the dir once qemu is gone (it polls each second).
    const deadline = Date.now() + 5000;
    while (existsSync(hdir) && Date.now() < deadline) await sleep(100);
    t.false(existsSync(hdir));
    t.deepEqual(processesNaming(cache.dir), []);
    const late = await cli(['vm', 'exec', '-q', handle, '--', 'true'], { env: cache.env });
    t.is(late.code, 2);
    t.regex(late.stderr, /no running guest/);
  } finally {
    await cli(['vm', 'stop', '--all'], { env: cache.env });
    cache.remove();
  }
});
