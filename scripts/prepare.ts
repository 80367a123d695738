// `npm install` / `npm ci` run this (the "prepare" script): compile src/ to dist/ so
// `npm start` serves compiled code. Without TypeScript (a production install without
// dev dependencies) there is nothing to do; bin/opsdesk.js then runs the sources.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc: string;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  process.exit(0);
}
const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (status !== 0) {
  process.stderr.write(
    'opsdesk: the TypeScript build failed; `npm start` will run the sources through tsx.\n',
  );
}
