// The parts of the qemu target that need no guest: command wrapping (run by the host's own
// sh + coreutils timeout), ports, target specs, accel choice and probe, key fingerprints, the
// process-wide cleanup registry (in child processes, with real signals).
import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureImage } from '../harness/images/index.js';
import { repoRoot } from '../harness/paths.js';
import { knownTargets, parseTargetSpec, TargetError } from '../harness/targets/index.js';
import { accelChoiceFromEnv, freeLocalPort, probeKvm } from '../harness/targets/qemu/index.js';
import { fingerprint, parsePublicKeyLine, wrapCommand } from '../harness/targets/ssh/transport.js';

function runWrapped(cmd: string | string[], timeoutMs = 10_000): { status: number | null; stdout: string } {
  // dropbear hands the line to the login shell with -c, as here.
  const r = spawnSync('/bin/bash', ['-c', wrapCommand(cmd, timeoutMs)], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

test('wrapCommand: argv words arrive as single literal arguments', (t) => {
  const words = ["it's", '$(id)', '`id`', 'a  b', '"', '*', '', '\\n', 'x;y|z&', '\n'];
  const r = runWrapped(['printf', '[%s]', ...words]);
  t.is(r.status, 0);
  t.is(r.stdout, words.map((w) => `[${w}]`).join(''));
});

test('wrapCommand: a string is a shell script, exit status passes through', (t) => {
  t.deepEqual(runWrapped('echo a | tr a b; exit 42'), { status: 42, stdout: 'b\n' });
});

test('wrapCommand: the timeout kills the command and reports 124', (t) => {
  const t0 = Date.now();
  t.is(runWrapped('sleep 30', 300).status, 124);
  t.true(Date.now() - t0 < 5000);
});

test('freeLocalPort: a port on 127.0.0.1 that can be bound', async (t) => {
  const port = await freeLocalPort();
  t.true(port > 1024 && port < 65536);
  await new Promise<void>((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
  });
});

test('parseTargetSpec: known specs, unknown ones listed in the error', (t) => {
  t.deepEqual(parseTargetSpec('qemu:debian12-amd64'), { kind: 'qemu', id: 'debian12-amd64' });
  t.deepEqual(parseTargetSpec('qemu:debian12-i686'), { kind: 'qemu', id: 'debian12-i686' });
  const err = t.throws(() => parseTargetSpec('vagrant:foo'), { instanceOf: TargetError });
  t.is(err!.message, `vagrant:foo: unknown target; known targets: ${knownTargets.map((k) => k.spec).join(', ')}`);
});

test('accelChoiceFromEnv: auto by default, kvm/tcg, anything else a clear error', (t) => {
  t.is(accelChoiceFromEnv(undefined), 'auto');
  t.is(accelChoiceFromEnv(''), 'auto');
  t.is(accelChoiceFromEnv('TCG'), 'tcg');
  t.is(accelChoiceFromEnv('kvm'), 'kvm');
  t.throws(() => accelChoiceFromEnv('hvf'), { message: /AUDIT_HARNESS_ACCEL must be auto, kvm or tcg \(got "hvf"\)/ });
});

test('probeKvm: answers within its deadline (tcg where kvm hangs, as on this host)', async (t) => {
  const image = await ensureImage('debian12-amd64');
  const m = image.manifest;
  const t0 = Date.now();
  const r = await probeKvm({ qemuBinary: m.qemuBinary, machine: m.machine, cpu: m.cpu, kernel: path.join(image.dir, m.files.kernel), timeoutMs: 3000 });
  t.true(Date.now() - t0 < 5000);
  t.true(r.accel === 'kvm' || r.accel === 'tcg');
  t.log(`${r.accel}: ${r.reason}`);
  if (r.accel === 'kvm') t.regex(r.reason, /root-mount panic/);
  else t.regex(r.reason, /kvm probe|kvm/);
});

test('fingerprint of a pinned host key matches ssh-keygen -l', async (t) => {
  const image = await ensureImage('debian12-amd64');
  const file = path.join(image.dir, image.manifest.files.hostKeyPub);
  const { type, blob } = parsePublicKeyLine(await readFile(file, 'utf8'));
  t.is(type, 'ssh-ed25519');
  const sshKeygen = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' });
  t.is(sshKeygen.split(' ')[1], fingerprint(blob));
  t.throws(() => parsePublicKeyLine('not a key'), { message: /not an OpenSSH public key line/ });
});

// A child process registers a cleanup that creates a file, then is signalled / exits.
const registryScript = (marker: string, mode: string) => `
import { registerCleanup } from ${JSON.stringify(path.join(repoRoot, 'dist/harness/targets/cleanup.js'))};
import { writeFileSync } from 'node:fs';
const un = registerCleanup(() => writeFileSync(${JSON.stringify(marker)}, 'cleaned'));
if (${JSON.stringify(mode)} === 'unregister') un();
console.log('ready');
if (${JSON.stringify(mode)} === 'wait') setInterval(() => {}, 1000);
`;

async function runRegistryChild(mode: string, signal?: NodeJS.Signals): Promise<{ code: number | null; cleaned: boolean }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'audit-harness-cleanup-test-'));
  const marker = path.join(dir, 'marker');
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', registryScript(marker, mode)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    if (signal) child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, cleaned: existsSync(marker) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('cleanup registry: runs on SIGINT (exit 130), SIGTERM (exit 143) and normal exit; not after unregister', async (t) => {
  t.deepEqual(await runRegistryChild('wait', 'SIGINT'), { code: 130, cleaned: true });
  t.deepEqual(await runRegistryChild('wait', 'SIGTERM'), { code: 143, cleaned: true });
  t.deepEqual(await runRegistryChild('exit'), { code: 0, cleaned: true });
  t.deepEqual(await runRegistryChild('unregister'), { code: 0, cleaned: false });
});
