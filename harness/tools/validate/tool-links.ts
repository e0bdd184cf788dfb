// Which tool claims that a rule set covers module loading (by the seed its scenarios cite), and the command that puts
// that tool's own verdict beside the kernel's: how the coverage matrix and results.json lead from a gap to the tool.
import { shellJoin } from '../../shell.js';
import type { RunResult, ScenarioResult } from '../../scenarios/result.js';

/** The seeds (docs/SOURCES.md lists each with its public page) each tool's claim comes from. */
const SEED_TOOLS: readonly { seed: string; tool: 'cis' | 'ssg' | 'elastic'; claim: string }[] = [
  { seed: '000_0cdd7424bdc5af9f', tool: 'cis', claim: 'CIS 4.1.3.7 "Ensure kernel module loading and unloading is collected"' },
  { seed: '001_a3b8e013c02b76ff', tool: 'ssg', claim: 'SCAP Security Guide audit_rules_kernel_module_loading (oscap)' },
  { seed: '003_906abfc06f8ae31e', tool: 'elastic', claim: 'Elastic detection rule "Kernel Module Removal"' },
];

export interface ToolLink {
  tool: 'cis' | 'ssg' | 'elastic';
  claim: string;
  /** Rule sets whose scenarios cite the tool's seed. */
  rulesets: string[];
  targets: string[];
  command: string;
}

export function toolOf(source: string | undefined): (typeof SEED_TOOLS)[number] | undefined {
  return source === undefined ? undefined : SEED_TOOLS.find((t) => source.includes(t.seed));
}

/** `audit-harness validate --tool T --target …` for the targets a tool's rule sets ran on (sim: targets have no tool). */
export function validateCommand(tool: string, targets: readonly string[]): string {
  return shellJoin(['audit-harness', 'validate', '--tool', tool, '--target', targets.join(','), '--out', `validate-${tool}`]);
}

/** One link per tool whose seed the run's scenarios cite, over the real targets they ran on. */
export function toolLinks(run: RunResult): ToolLink[] {
  const links: ToolLink[] = [];
  for (const t of SEED_TOOLS) {
    const rs = run.results.filter((r: ScenarioResult) => toolOf(r.source)?.tool === t.tool && r.outcome !== 'not-applicable' && !r.target.startsWith('sim:'));
    if (rs.length === 0) continue;
    const targets = [...new Set(rs.map((r) => r.target))];
    links.push({ tool: t.tool, claim: t.claim, rulesets: [...new Set(rs.map((r) => r.ruleset))].sort(), targets, command: validateCommand(t.tool, targets) });
  }
  return links;
}
