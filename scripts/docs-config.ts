/**
 * `npm run docs:config`: rewrites the configuration table in service/README.md from the
 * settings' schema (service/src/configTable.ts). Prints whether it changed anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTable } from '../service/src/configTable';

const readmePath = join(__dirname, '..', 'service', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = withConfigTable(before);
if (after === before) {
  console.log('docs:config: service/README.md is up to date');
} else {
  writeFileSync(readmePath, after);
  console.log('docs:config: rewrote the configuration table in service/README.md');
}
