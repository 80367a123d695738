/**
 * `npm run openapi:lint [-- --out DIR]`: generates the v1 and v2 OpenAPI documents from
 * the routes (as `opsdesk openapi` does, without a database) and lints both with Spectral's
 * OAS ruleset (.spectral.yaml); any finding, of any severity, fails. CI runs it after lint.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { componentConflicts, documentFor } from '../src/platform/http/openapi.ts';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const { values } = parseArgs({ options: { out: { type: 'string', default: '.data/openapi' } } });
const out = path.resolve(root, values.out);

const config = loadConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
// The documents need the routes, not a connection: the pool never connects here.
const database = connectDatabase({
  url: 'postgres://127.0.0.1:1/none',
  poolMax: 1,
  statementTimeoutMs: 1000,
});
const app = await buildApp({ config, database, logger: false });
await app.ready();
await mkdir(out, { recursive: true });
const files: string[] = [];
let conflicts = 0;
for (const version of ['v1', 'v2'] as const) {
  const prefix = `/api/${version}` as const;
  const file = path.join(out, `openapi-${version}.json`);
  await writeFile(file, `${JSON.stringify(documentFor(app, prefix), null, 2)}\n`);
  for (const name of componentConflicts(app, prefix)) {
    conflicts += 1;
    process.stderr.write(`${version}: the title "${name}" names two different schemas\n`);
  }
  files.push(file);
}
await app.close();
await database.close();

const spectral = spawnSync(
  path.join(root, 'node_modules', '.bin', 'spectral'),
  ['lint', '--ruleset', path.join(root, '.spectral.yaml'), '--fail-severity', 'hint', ...files],
  { stdio: 'inherit' },
);
process.exit(spectral.status === 0 && conflicts === 0 ? 0 : 1);
