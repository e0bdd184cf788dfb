// The one-line form of a rule problem: FILE:LINE:COL: error: message (as compilers print them).
import type { RuleError } from './types.js';

export function formatError(e: RuleError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.severity}: ${e.message.replace(/[\r\n]/g, ' ')}`;
}
