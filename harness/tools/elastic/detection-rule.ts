// Elastic detection rules kept as data beside the code (kernel-module-removal.yaml), with their KQL parsed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../../paths.js';
import { parseYamlWith } from '../../yaml-errors.js';
import { KqlQuery } from './kql-evaluate.js';

const RuleFile = z.object({
  name: z.string(),
  source: z.string(),
  versions: z.array(z.object({ id: z.string(), rule_version: z.number(), note: z.string(), query: z.string() })).min(1),
});

export interface DetectionRuleVersion {
  id: string;
  ruleVersion: number;
  note: string;
  query: KqlQuery;
}

export interface DetectionRule {
  name: string;
  source: string;
  versions: DetectionRuleVersion[];
}

export const KERNEL_MODULE_REMOVAL_FILE = path.join(repoRoot, 'harness/tools/elastic/kernel-module-removal.yaml');

function parseVersion(file: string, id: string, query: string): KqlQuery {
  try {
    return new KqlQuery(query);
  } catch (e) {
    throw new Error(`${file}: version ${id}: ${(e as Error).message}`);
  }
}

/**
 * Reads and checks a rule file. Errors name the file: an unreadable one with the system's code, a YAML or
 * schema problem as `file:line:col: …` (a YamlFileError, one line per problem), a malformed query by version.
 */
export function loadDetectionRule(file: string = KERNEL_MODULE_REMOVAL_FILE): DetectionRule {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = parseYamlWith(text, file, RuleFile);
  return {
    name: r.name,
    source: r.source,
    versions: r.versions.map((v) => ({ id: v.id, ruleVersion: v.rule_version, note: v.note, query: parseVersion(file, v.id, v.query) })),
  };
}
