#!/usr/bin/env node
// Runs the compiled dist/ when it is at least as new as every source file (`npm install`
// builds it, and so does `npm run build`), and the TypeScript sources through tsx
// otherwise, so `npx opsdesk` works in a checkout being edited with no build step.
// The compiled code starts faster and each process holds about 40 MB less than under
// tsx (no loader hooks, no esbuild service beside it).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function compiledIsFresh() {
  if (process.env.OPSDESK_RUN_SOURCES === 'true') return false;
  try {
    return statSync(path.join(root, 'dist', 'main.js')).mtimeMs >= newestSource(path.join(root, 'src'));
  } catch {
    return false;
  }
}

if (compiledIsFresh()) {
  await import('../dist/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
