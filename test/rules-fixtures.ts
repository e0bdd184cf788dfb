// The rule fixtures a guest test loads: for each test/fixtures/rules/NAME.rules, what `auditctl -l` must print
// after `auditctl -D; auditctl -R NAME.rules` on an x86_64 and on an i686 kernel (see the README there).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../harness/paths.js';
import type { KernelArch } from '../harness/audit/rules/index.js';

export interface RuleFixture {
  name: string;
  /** Absolute path of the rules file. */
  rulesPath: string;
  rules: string;
  /** Expected `auditctl -l` output (with the final newline) per kernel. */
  expected: Record<KernelArch, string>;
}

export const ruleFixturesDir = path.join(repoRoot, 'test/fixtures/rules');

export function ruleFixtures(): RuleFixture[] {
  return readdirSync(ruleFixturesDir)
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => {
      const base = f.replace(/\.rules$/, '');
      const read = (n: string) => readFileSync(path.join(ruleFixturesDir, n), 'utf8');
      return {
        name: base,
        rulesPath: path.join(ruleFixturesDir, f),
        rules: read(f),
        expected: { x86_64: read(`${base}.golden`), i686: read(`${base}.i686.golden`) },
      };
    });
}
