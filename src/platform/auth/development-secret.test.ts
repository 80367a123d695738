import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { withDevelopmentSecretKey } from './development-secret.ts';

describe('withDevelopmentSecretKey', () => {
  const dataDir = () => mkdtempSync(path.join(tmpdir(), 'opsdesk-secret-'));

  it('makes a key once, owner-only, and every later process reads the same one', () => {
    const dir = dataDir();
    const first = withDevelopmentSecretKey(loadConfig({ DATA_DIR: dir }));
    const second = withDevelopmentSecretKey(loadConfig({ DATA_DIR: dir }));
    expect(first.secretKey?.length).toBeGreaterThanOrEqual(32);
    expect(second.secretKey).toBe(first.secretKey);
    expect(statSync(path.join(dir, 'secret-key')).mode & 0o777).toBe(0o600);
  });

  it('keeps a configured SECRET_KEY', () => {
    const secretKey = 'k'.repeat(40);
    expect(
      withDevelopmentSecretKey(loadConfig({ DATA_DIR: dataDir(), SECRET_KEY: secretKey })).secretKey,
    ).toBe(secretKey);
  });
});
