// Regenerates scenarios/schema.json from the zod schema: npx tsx scripts/gen-scenario-schema.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/paths.js';
import { scenarioJsonSchema } from '../harness/scenarios/schema.js';

writeFileSync(join(repoRoot, 'scenarios/schema.json'), `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
