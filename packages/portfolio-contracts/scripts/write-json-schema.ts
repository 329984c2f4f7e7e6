// Regenerates config/portfolio.schema.json from the zod schema (pnpm --filter @njord/portfolio-contracts schema).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { portfolioConfigJsonSchema } from '../src/index.js';

export const schemaPath = fileURLToPath(
  new URL('../../../config/portfolio.schema.json', import.meta.url),
);

export function renderJsonSchema(): string {
  return `${JSON.stringify(portfolioConfigJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaPath, renderJsonSchema());
  console.log(`wrote ${schemaPath}`);
}
