#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx opsdesk` works right after
// `npm install` with no build step. Production images run the compiled dist/main.js.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
