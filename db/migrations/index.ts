// Every migration in order. Listed statically (not found by glob) so the same list loads
// under tsx, vitest and a bundler; `npm run db:migration:create` appends new entries.
import { Migration20261204195817 } from './Migration20261204195817.js';
import { Migration20261204195900 } from './Migration20261204195900.js';
import { Migration20261204201106 } from './Migration20261204201106.js';
import { Migration20261204201250 } from './Migration20261204201250.js';
import { Migration20261204202452 } from './Migration20261204202452.js';
import { Migration20261204211832 } from './Migration20261204211832.js';
import { Migration20261205080825 } from './Migration20261205080825.js';
import { Migration20261205082417 } from './Migration20261205082417.js';
import { Migration20261205091929 } from './Migration20261205091929.js';
import { Migration20261205125131 } from './Migration20261205125131.js';
import { Migration20261205133113 } from './Migration20261205133113.js';
import { Migration20261205163314 } from './Migration20261205163314.js';

export const migrationsList = [
  { name: 'Migration20261204195817', class: Migration20261204195817 },
  { name: 'Migration20261204195900', class: Migration20261204195900 },
  { name: 'Migration20261204201106', class: Migration20261204201106 },
  { name: 'Migration20261204201250', class: Migration20261204201250 },
  { name: 'Migration20261204202452', class: Migration20261204202452 },
  { name: 'Migration20261204211832', class: Migration20261204211832 },
  { name: 'Migration20261205080825', class: Migration20261205080825 },
  { name: 'Migration20261205082417', class: Migration20261205082417 },
  { name: 'Migration20261205091929', class: Migration20261205091929 },
  { name: 'Migration20261205125131', class: Migration20261205125131 },
  { name: 'Migration20261205133113', class: Migration20261205133113 },
  { name: 'Migration20261205163314', class: Migration20261205163314 },
];
