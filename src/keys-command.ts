import { parseArgs } from 'node:util';
import type { Config } from './config.ts';
import { systemContext } from './platform/auth/actor.ts';
import { openDatabase } from './platform/db/open.ts';

const USAGE = `Usage: opsdesk keys <command>

  rotate [--revoke-previous]
                 Replace the JWT signing key now; the previous key stays accepted
                 for the access-token lifetime, unless --revoke-previous.
  rotate-data [--batch-size N] [--pause-ms N]
                 Rewrap every customer's data key under the current key of
                 CUSTOMER_DATA_KEYS (the first), in resumable batches; rerun it
                 after an interruption. The API keeps serving meanwhile.
  status         Customers per key-encryption key: a key may leave the ring
                 once no customer is under it.
  generate [--id ID]
                 Print a new key for CUSTOMER_DATA_KEYS (id:base64).`;

/** A one-line progress bar on a terminal; a line per tenth elsewhere (logs, CI). */
function progressReporter(stream: NodeJS.WriteStream) {
  let lastTenth = -1;
  return {
    update({ done, total }: { done: number; total: number }) {
      const share = total === 0 ? 1 : Math.min(1, done / total);
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(share * width);
        stream.write(
          `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${done}/${total}`,
        );
        return;
      }
      const tenth = Math.floor(share * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`rotate-data: ${done}/${total} (${tenth * 10}%)\n`);
      }
    },
    end() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}

const positive = (raw: string | undefined, name: string, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number`);
  return value;
};

/** `opsdesk keys rotate`: a new JWT signing key now (docs/identity.md). */
async function rotateSigningKey(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { 'revoke-previous': { type: 'boolean' } } });
  const { createServices } = await import('./modules/index.ts');
  const database = await openDatabase(config, { migrate: true, poolMax: 2 });
  try {
    const { identity } = createServices(database, config);
    const revokePrevious = values['revoke-previous'] ?? false;
    const rotation = await identity.signingKeys.rotate(systemContext('keys-rotate'), {
      reason: 'manual',
      revokePrevious,
    });
    if (!rotation) return;
    process.stdout.write(
      `New JWT signing key ${rotation.kid}.\n` +
        (rotation.revokedKids.length > 0
          ? `Revoked ${rotation.revokedKids.join(', ')}: tokens they signed no longer work.\n`
          : rotation.retiredKid
            ? `Key ${rotation.retiredKid} stays accepted for ${config.accessTokenTtlSeconds} s more, so tokens in flight stay valid.\n`
            : ''),
    );
  } finally {
    await database.close();
  }
}

/** `opsdesk keys ...`: JWT signing keys and customer data keys (docs/customers.md, "Keys"). */
export async function keysCommand(config: Config, args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === 'rotate') return rotateSigningKey(config, rest);
  const { generateKeyLine, createCustomerVault, createKeyRotation, customerKeysFrom } =
    await import('./modules/customers/index.ts');
  if (command === 'generate') {
    const { values } = parseArgs({ args: rest, options: { id: { type: 'string' } } });
    const id = values.id ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
    process.stdout.write(`${generateKeyLine(id)}\n`);
    return;
  }
  if (command !== 'rotate-data' && command !== 'status') {
    process.stdout.write(`${USAGE}\n`);
    if (command !== undefined && command !== 'help') process.exitCode = 1;
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: { 'batch-size': { type: 'string' }, 'pause-ms': { type: 'string' } },
  });
  const vault = createCustomerVault(customerKeysFrom(config), config.customerPhoneRegion);
  const database = await openDatabase(config, {
    migrate: false,
    poolMax: 2,
    applicationName: 'opsdesk-keys',
  });
  try {
    const rotation = createKeyRotation(database.db, vault);
    if (command === 'status') {
      for (const row of await rotation.status())
        process.stdout.write(
          `${row.kekId ?? '(erased)'}\t${row.customers}${row.kekId === vault.currentKekId ? '\t(current)' : ''}\n`,
        );
      return;
    }
    const progress = progressReporter(process.stderr);
    const result = await rotation.rotate({
      batchSize: positive(values['batch-size'], 'batch-size', 500) || 500,
      pauseMs: positive(values['pause-ms'], 'pause-ms', 0),
      onProgress: (state) => {
        progress.update(state);
      },
    });
    progress.end();
    process.stdout.write(
      `${result.resumed ? 'Resumed and finished' : 'Finished'}: ${result.done} customer data keys now under "${result.kekId}".\n`,
    );
  } finally {
    await database.close();
  }
}
