// The provisioning scripts' shared functions (vms/vagrant/provision/common.sh) on a real guest: the RHEL and Ubuntu
// boxes they are written for cannot be downloaded here, and the local box already has what they install (it is made
// from the Debian 12 image), so their install paths are run in a qemu:debian12-amd64 guest with those parts removed.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AUTOLOAD } from '../harness/images/guest-layout.js';
import { repoRoot } from '../harness/paths.js';
import { openTarget } from '../harness/targets/index.js';

const SRC = '/root/provision';
const CONF = path.posix.basename(AUTOLOAD.conf);

test('provision/common.sh on qemu:debian12-amd64: autoload_alias installs the harness\'s modprobe.d alias (then finds it present) and modprobe resolves it; have_loaders refuses a loader without `socket FAMILY`', async (t) => {
  const target = await openTarget('qemu:debian12-amd64');
  try {
    t.is((await target.exec(['mkdir', '-p', `${SRC}/modprobe.d`])).code, 0);
    await target.putFile(`${SRC}/common.sh`, await readFile(path.join(repoRoot, 'vms', 'vagrant', 'provision', 'common.sh')), 0o644);
    // what vagrant-target.ts's provision() copies next to the scripts
    await target.putFile(`${SRC}/modprobe.d/${CONF}`, AUTOLOAD.text, 0o644);
    const script = [
      'set -e',
      `rm -f ${AUTOLOAD.conf}`,
      `SRC=${SRC}; . "$SRC/common.sh"`,
      'autoload_alias',
      `cmp "$SRC/modprobe.d/${CONF}" ${AUTOLOAD.conf} && echo same-text`,
      'autoload_alias',
      `modprobe --show-depends ${AUTOLOAD.alias}`,
      'have_loaders && echo loaders-current',
      // a loader built before `socket FAMILY` existed: its usage line lacks it
      'mv /usr/local/bin/audit-harness-loader32 /tmp/loader32',
      'printf \'#!/bin/sh\\necho "usage: loader init_module FILE [params] | finit_module FILE [params] | delete_module NAME" >&2\\nexit 22\\n\' >/usr/local/bin/audit-harness-loader32',
      'chmod 755 /usr/local/bin/audit-harness-loader32',
      'have_loaders || echo old-loader-refused',
      'mv /tmp/loader32 /usr/local/bin/audit-harness-loader32',
      'have_loaders && echo loaders-current-again',
    ].join('\n');
    const r = await target.exec(['bash', '-c', script]);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.is(lines[0], `${CONF} installed`);
    t.is(lines[1], 'same-text');
    t.is(lines[2], `${CONF} present`);
    t.regex(r.stdout, /^insmod \/lib\/modules\/\S+\/extra\/audit_test_mod\.ko\s*$/m, 'the release\'s modprobe resolves the alias to the test module as shipped');
    t.deepEqual(lines.slice(-3), ['loaders-current', 'old-loader-refused', 'loaders-current-again']);
  } finally {
    await target.close();
  }
});
