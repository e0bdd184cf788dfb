// `vm shell` with a script piped in (no pty, like ssh -T) on debian13, whose dropbear hung up a pty shell at the
// input's EOF before it ran anything; `vm exec -t` saying it killed the command; `vm stop` with neither HANDLE nor
// --all. One boot.
import test from 'ava';
import { cli, privateCache, processesNaming } from './vm-cli.js';

test('vm stop with neither a HANDLE nor --all (or both) says so, exit 2', async (t) => {
  const cache = privateCache();
  try {
    for (const args of [['vm', 'stop'], ['vm', 'stop', '--all', 'debian12-amd64-abcdef']]) {
      const r = await cli(args, { env: cache.env });
      t.is(r.code, 2, args.join(' '));
      t.is(r.stderr, 'audit-harness: vm stop: give a HANDLE or --all\n', args.join(' '));
    }
  } finally {
    cache.remove();
  }
});

test('vm shell HANDLE on debian13 runs a piped script (output, stderr, exit status); vm exec -t says it killed the command', async (t) => {
  const cache = privateCache();
  let handle = '';
  try {
    const started = await cli(['vm', 'start', '-q', '--lifetime', '300', 'qemu:debian13-amd64'], { env: cache.env });
    t.is(started.code, 0, started.stderr);
    handle = started.stdout.trim();

    const script = 'echo "kernel $(uname -r)"\necho to-stderr >&2\nx=$((6*7)); echo "sum $x"\nexit 3\n';
    const piped = await cli(['vm', 'shell', '-q', handle], { env: cache.env, input: script, timeoutMs: 60_000 });
    t.is(piped.code, 3, piped.stderr);
    t.regex(piped.stdout, /^kernel \d+\.\d+\.\d+\S*\nsum 42\n$/); // no echoed input, no prompt, no \r
    t.is(piped.stderr, 'to-stderr\n');
    // A shell killed by a signal: 128 + its number.
    const hup = await cli(['vm', 'shell', '-q', handle], { env: cache.env, input: 'kill -HUP $$\n', timeoutMs: 60_000 });
    t.is(hup.code, 129, hup.stderr);
    // stdin /dev/null: the shell reads nothing and exits 0.
    const none = await cli(['vm', 'shell', '-q', handle], { env: cache.env, timeoutMs: 60_000 });
    t.is(none.code, 0, none.stderr);
    t.is(none.stdout, '');

    const killed = await cli(['vm', 'exec', '-q', '-t', '2', handle, '--', 'sleep', '10'], { env: cache.env, timeoutMs: 60_000 });
    t.is(killed.code, 124);
    t.is(killed.stdout, '');
    t.is(killed.stderr, 'audit-harness: vm exec: the command was killed after 2 s (--timeout)\n');
    // A command that exits 124 by itself is not reported as killed.
    const own = await cli(['vm', 'exec', '-q', handle, '--', 'sh', '-c', 'exit 124'], { env: cache.env, timeoutMs: 60_000 });
    t.is(own.code, 124);
    t.is(own.stderr, '');

    const stopped = await cli(['vm', 'stop', handle], { env: cache.env });
    t.is(stopped.code, 0, stopped.stderr);
    handle = '';
    t.deepEqual(processesNaming(cache.dir), []);
  } finally {
    if (handle) await cli(['vm', 'stop', '--all'], { env: cache.env });
    cache.remove();
  }
});
