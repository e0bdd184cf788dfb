// auditd.conf as ausearch reads it before a search (load_config(TEST_SEARCH), audit-userspace 3.0.9).
// ausearch only ever reads /etc/audit/auditd.conf, and the host's audit configuration is not ours
// to change: the differential tests cover the file this host has (or lacks); these cover the rest
// with temp files and ausearch's own messages.
import test from 'ava';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSearchConfig } from '../harness/audit/search/config.js';
import type { Output } from '../harness/audit/search/output.js';

function capture(): { out: Output; text: () => string } {
  let text = '';
  return { out: { write: (s: string) => { text += s; }, flush: () => {} } as unknown as Output, text: () => text };
}

function withConf(body: string, mode: number, fn: (file: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'search-config-'));
  try {
    const file = path.join(dir, 'auditd.conf');
    writeFileSync(file, body);
    chmodSync(file, mode);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a missing auditd.conf: ausearch says so and keeps the 2 s end_of_event_timeout', (t) => {
  const c = capture();
  t.deepEqual(loadSearchConfig(c.out, '/nonexistent/auditd.conf'), { eoeTimeout: 2 });
  t.is(c.text(), "Config file /nonexistent/auditd.conf doesn't exist, skipping\n");
});

test('end_of_event_timeout is read from auditd.conf, other keywords and comments are passed over', (t) => {
  withConf('# comment\nlog_format = ENRICHED\n  end_of_event_timeout   =   7  \nflush = INCREMENTAL_ASYNC\n', 0o640, (file) => {
    const c = capture();
    t.deepEqual(loadSearchConfig(c.out, file), { eoeTimeout: 7 });
    t.is(c.text(), '');
  });
});

test('a world-writable or symlinked auditd.conf is refused with ausearch messages and the built-in logs', (t) => {
  withConf('end_of_event_timeout = 9\n', 0o666, (file) => {
    const c = capture();
    t.deepEqual(loadSearchConfig(c.out, file), { eoeTimeout: 2 });
    t.is(c.text(), `Error - ${file} is world writable\nNOTE - using built-in logs: /var/log/audit/audit.log\n`);
    const link = `${file}.link`;
    symlinkSync(file, link);
    const d = capture();
    loadSearchConfig(d.out, link);
    t.is(d.text(), 'Error opening config file (Too many levels of symbolic links)\nNOTE - using built-in logs: /var/log/audit/audit.log\n');
  });
});

test('a non-numeric end_of_event_timeout stops the config with ausearch message', (t) => {
  withConf('log_file = /var/log/audit/audit.log\nend_of_event_timeout = 2s\n', 0o640, (file) => {
    const c = capture();
    t.deepEqual(loadSearchConfig(c.out, file), { eoeTimeout: 2 });
    t.is(c.text(), 'Value 2s should only be numbers - line 2\nNOTE - using built-in logs: /var/log/audit/audit.log\n');
  });
});
