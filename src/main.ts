import fs from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { describeSettings, loadConfig, type Config } from './config.ts';
import { systemContext } from './platform/auth/actor.ts';
import { withDevelopmentSecretKey } from './platform/auth/development-secret.ts';
import { connectDatabase } from './platform/db/client.ts';
import { openDatabase } from './platform/db/open.ts';
import { AppError } from './platform/http/errors.ts';
// The commands load the application's modules on demand: the primary of a cluster
// (`serve` with WEB_CONCURRENCY > 1) only supervises and stays small.
import { runWorkerProcess, serve } from './serve.ts';

const USAGE = `Usage: opsdesk <command> [options]

Commands:
  serve                      Run the HTTP API (migrates and, in development, seeds first)
  worker                     Run background and scheduled jobs (graphile-worker)
  migrate                    Apply pending database migrations
  seed                       Create the demo organisation (skips what exists)
  createsuperuser            Create or promote an administrator
      --username NAME --email ADDRESS --password SECRET [--no-input]
  openapi [--api v1|v2] [--out FILE]   Print the OpenAPI document
  config [--env]             Print the configuration table (or a .env template)
  keys rotate [--revoke-previous]
                             Replace the JWT signing key now; the previous key
                             stays accepted for the access-token lifetime, unless
                             --revoke-previous (tokens it signed stop working at once)
  keys rotate-data | status | generate
                             Customer data keys: rewrap every customer under the
                             current key (resumable), show keys in use, make a key
  import tickets FILE [--format csv|ndjson] [--mode all_or_nothing|skip_invalid] [--as USERNAME]
                             Load tickets from CSV or NDJSON through the rules of a create
  import customers FILE.csv [--mode all_or_nothing|skip_invalid] [--welcome] [--as USERNAME]
                             Load customers from CSV: PII encrypted, duplicates (e-mail,
                             phone) reported; welcome e-mails only with --welcome

Settings come from the environment; see README.md or \`opsdesk config\`.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function configOrExit(): Config {
  try {
    return withDevelopmentSecretKey(loadConfig());
  } catch (error) {
    return fail((error as Error).message);
  }
}

async function prompt(question: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      write(s.startsWith(question) ? s : '');
    };
  }
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
    if (hidden) process.stdout.write('\n');
  }
}

async function createSuperuser(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      username: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      'no-input': { type: 'boolean' },
    },
  });
  const noInput = values['no-input'] ?? !process.stdin.isTTY;
  const ask = async (value: string | undefined, question: string, hidden = false) => {
    if (value) return value;
    if (noInput)
      fail(`createsuperuser: --${question.replace(/: $/, '').toLowerCase()} is required with --no-input`);
    return prompt(question, hidden);
  };
  const username = await ask(values.username, 'Username: ');
  const email = await ask(values.email, 'Email: ');
  const password = await ask(values.password, 'Password: ', true);
  const { createServices } = await import('./modules/index.ts');
  const database = await openDatabase(config, { migrate: true, poolMax: 2 });
  try {
    const { identity } = createServices(database, config);
    const person = await identity.createSuperuser(systemContext('createsuperuser'), {
      username,
      email,
      password,
    });
    process.stdout.write(`Superuser "${person.user.username}" is ready.\n`);
  } finally {
    await database.close();
  }
}

async function openapi(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { api: { type: 'string', default: 'v2' }, out: { type: 'string' } },
  });
  if (values.api !== 'v1' && values.api !== 'v2') fail('openapi: --api must be v1 or v2');
  const [{ buildApp }, { documentFor }] = await Promise.all([
    import('./app.ts'),
    import('./platform/http/openapi.ts'),
  ]);
  // The document needs the routes, not a connection: the pool never connects here.
  const database = connectDatabase({
    url: 'postgres://127.0.0.1:1/none',
    poolMax: 1,
    statementTimeoutMs: 1000,
  });
  const app = await buildApp({ config, database, logger: false });
  await app.ready();
  const document = `${JSON.stringify(documentFor(app, `/api/${values.api}`), null, 2)}\n`;
  await app.close();
  await database.close();
  if (values.out) await fs.writeFile(values.out, document);
  else process.stdout.write(document);
}

function printConfig(args: string[]): void {
  const rows = describeSettings();
  if (args.includes('--env')) {
    for (const row of rows)
      process.stdout.write(
        `# ${row.description}\n# ${row.env}=${row.default === '(unset)' ? '' : row.default}\n\n`,
      );
    return;
  }
  process.stdout.write('| Variable | Default | Meaning |\n| --- | --- | --- |\n');
  for (const row of rows) process.stdout.write(`| \`${row.env}\` | ${row.default} | ${row.description} |\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(configOrExit());
    case 'worker':
      return runWorkerProcess(configOrExit());
    case 'migrate': {
      const database = await openDatabase(configOrExit(), { migrate: true, poolMax: 1 });
      await database.close();
      process.stdout.write('Migrations applied.\n');
      return;
    }
    case 'seed': {
      const config = configOrExit();
      const [{ seedDemo }, { createServices }] = await Promise.all([
        import('./modules/seed.ts'),
        import('./modules/index.ts'),
      ]);
      const database = await openDatabase(config, { migrate: true, poolMax: 2 });
      try {
        const seeded = await seedDemo(createServices(database, config));
        process.stdout.write(
          seeded ? 'Seeded the demo organisation.\n' : 'The database already has users; nothing seeded.\n',
        );
      } finally {
        await database.close();
      }
      return;
    }
    case 'createsuperuser':
      return createSuperuser(configOrExit(), args);
    case 'openapi':
      return openapi(configOrExit(), args);
    case 'import': {
      const { importCommand } = await import('./import-command.ts');
      const code = await importCommand(configOrExit(), args);
      if (code !== 0) process.exit(code);
      return;
    }
    case 'keys': {
      const { keysCommand } = await import('./keys-command.ts');
      return keysCommand(configOrExit(), args);
    }
    case 'config': {
      printConfig(args);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

/** The message, and for invalid input each field's problems, as a person at the terminal needs them. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fields = error instanceof AppError ? Object.entries(error.fields ?? {}) : [];
  return [error.message, ...fields.map(([field, messages]) => `  ${field}: ${messages.join(' ')}`)].join(
    '\n',
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(`opsdesk: ${describeError(error)}`);
});
