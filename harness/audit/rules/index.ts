// Public API of the auditctl rule language.
export type { AuditRule, ControlCommand, FieldOp, FilterList, KernelArch, ParseOptions, ParseResult, RuleAction, RuleError, RuleField, RuleLine, SourcePos } from './types.js';
export { parseRulesText, parseRuleLine, rulesApplyTo, rulesErrorsForArch } from './parse.js';
export { renderRule, renderLine, isWatch } from './render.js';
export { auditctlLoad, renderListing, isLoadOnlyError } from './load.js';
export type { LoadResult } from './load.js';
export { augenrulesMerge, augenrulesOrder, readRulesSources, RulesReadError, AUGENRULES_HEADER } from './rules-file.js';
export type { AwkFlavor, MergedRules, RulesSource, SkippedRulesEntry } from './rules-file.js';
export { resolveArch, kernelTable } from './arch.js';
export { fieldNames, fieldInfo } from './fields.js';
export { formatError } from './format.js';
