import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { randomToken } from './secrets.ts';

/**
 * Outside production SECRET_KEY may be unset. Everything keyed by it must still agree
 * across the processes of a group and survive a restart (signed links, sealed TOTP
 * seeds and signing keys), so a key is made once and kept in DATA_DIR/secret-key,
 * readable by its owner only. The first process to start creates it; the others read it.
 */
export function withDevelopmentSecretKey(config: Config): Config {
  if (config.secretKey || config.isProduction) return config;
  const file = path.join(config.dataDir, 'secret-key');
  let secretKey: string;
  try {
    secretKey = readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    try {
      writeFileSync(file, `${randomToken(48)}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    secretKey = readFileSync(file, 'utf8').trim();
  }
  return Object.freeze({ ...config, secretKey });
}
