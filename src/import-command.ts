import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from './config.ts';
import { systemContext, type RequestContext } from './platform/auth/actor.ts';
import { openDatabase } from './platform/db/open.ts';
import type { createServices as CreateServices } from './modules/index.ts';
import type { ImportMode, ImportOutcome } from './modules/tickets/index.ts';

/**
 * `opsdesk import tickets FILE [--format csv|ndjson] [--mode all_or_nothing|skip_invalid]
 * [--as USERNAME]`: loads a file of tickets through the rules of one create (the same
 * path as `POST /api/v2/tickets/imports`). `opsdesk import customers FILE.csv [--mode
 * ...] [--welcome] [--as USERNAME]` does the same for customers (the path of `POST
 * /api/v2/customers/imports`): PII sealed per customer, duplicates by blind index, and
 * welcome e-mails only with --welcome. A progress bar on a terminal, a line per tenth
 * of the file otherwise; the summary on stdout, the rows' problems on stderr.
 * Exit status: 0 all rows imported, 1 nothing imported (a refused file, or an invalid
 * row in all_or_nothing mode), 2 some rows skipped (skip_invalid).
 */
export const IMPORT_USAGE =
  'import tickets FILE [--format csv|ndjson] [--mode all_or_nothing|skip_invalid] [--as USERNAME]\n' +
  '  import customers FILE.csv [--mode all_or_nothing|skip_invalid] [--welcome] [--as USERNAME]';

const SHOWN_ERRORS = 20;

const isOneOf = <T extends string>(value: string, choices: readonly T[]): value is T =>
  (choices as readonly string[]).includes(value);

function progressReporter(out: NodeJS.WriteStream, total: number) {
  const started = performance.now();
  let lastTenth = -1;
  return (bytes: number, rows: number, final = false) => {
    const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    const text = `${Math.round(fraction * 100)}% ${rows.toLocaleString('en')} rows, ${rate.toLocaleString('en')} rows/s`;
    if (out.isTTY) {
      const width = 30;
      const done = Math.round(fraction * width);
      out.write(`\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${text}${final ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > lastTenth || final) {
      lastTenth = tenth;
      out.write(`import: ${text}\n`);
    }
  };
}

function summary(
  outcome: Pick<ImportOutcome, 'rows' | 'created' | 'failed'> & { duplicates?: number },
  what: 'tickets' | 'customers',
  file: string,
  seconds: number,
  mode: ImportMode,
): string {
  const rate = Math.round(outcome.rows / Math.max(seconds, 0.001)).toLocaleString('en');
  const head = `${outcome.rows.toLocaleString('en')} rows read from ${file} in ${seconds.toFixed(1)} s (${rate} rows/s)`;
  const duplicates =
    outcome.duplicates === undefined ? '' : ` (${outcome.duplicates.toLocaleString('en')} duplicates)`;
  if (mode === 'all_or_nothing' && outcome.failed > 0)
    return `${head}: nothing imported, ${outcome.failed.toLocaleString('en')} rows are invalid${duplicates} (all_or_nothing).`;
  return `${head}: ${outcome.created.toLocaleString('en')} ${what} created, ${outcome.failed.toLocaleString('en')} rows skipped${duplicates}.`;
}

/** The problems on stderr, the first SHOWN_ERRORS of them; the exit status of the outcome. */
function finish(
  outcome: { failed: number; errors: { row: number; field: string; message: string }[] },
  mode: ImportMode,
) {
  for (const error of outcome.errors.slice(0, SHOWN_ERRORS))
    process.stderr.write(`  row ${error.row}: ${error.field}: ${error.message}\n`);
  if (outcome.errors.length > SHOWN_ERRORS)
    process.stderr.write(`  ... and ${outcome.errors.length - SHOWN_ERRORS} more problems\n`);
  if (outcome.failed === 0) return 0;
  return mode === 'all_or_nothing' ? 1 : 2;
}

/** The file's chunks as the parser pulls them, counting bytes for the progress bar. */
function countedFile(file: string) {
  const state = { bytes: 0 };
  // Counted as the parser pulls them: a 'data' listener would start the flow before anyone reads.
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file)) {
      state.bytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  return { state, chunks: chunks() };
}

async function actingAs(
  services: { identity: { actorByUsername(name: string): Promise<RequestContext['actor'] | undefined> } },
  username: string | undefined,
): Promise<RequestContext> {
  const ctx: RequestContext = systemContext('import');
  if (!username) return ctx;
  const actor = await services.identity.actorByUsername(username);
  if (!actor) throw new Error(`import: no active user "${username}"`);
  return { ...ctx, actor };
}

type Services = ReturnType<typeof CreateServices>;
type Database = Awaited<ReturnType<typeof openDatabase>>;

interface CommandOutcome {
  rows: number;
  created: number;
  failed: number;
  duplicates?: number;
  errors: { row: number; field: string; message: string }[];
}

/**
 * Runs one import command: the database, the acting user, progress on stderr, the
 * summary on stdout, the problems and the exit status from `finish`. `run` reads the
 * file's chunks through the module's parser and importer.
 */
async function runImportCommand(
  config: Config,
  file: string,
  options: { what: 'tickets' | 'customers'; mode: ImportMode; as: string | undefined },
  run: (
    loaded: { services: Services; database: Database; ctx: RequestContext },
    chunks: AsyncIterable<Buffer>,
    onProgress: (progress: { rows: number }) => void,
  ) => Promise<CommandOutcome>,
): Promise<number> {
  const { size } = await fs.stat(file);
  const { createServices } = await import('./modules/index.ts');
  // Two connections: an all-or-nothing import holds one for its transaction and checks references on another.
  const database = await openDatabase(config, {
    migrate: true,
    poolMax: 3,
    applicationName: 'opsdesk-import',
  });
  try {
    const services = createServices(database, config);
    const ctx = await actingAs(services, options.as);
    const { state, chunks } = countedFile(file);
    const show = progressReporter(process.stderr, size);
    const started = performance.now();
    const outcome = await run({ services, database, ctx }, chunks, ({ rows }) => {
      show(state.bytes, rows);
    });
    show(state.bytes, outcome.rows, true);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${summary(outcome, options.what, file, seconds, options.mode)}\n`);
    return finish(outcome, options.mode);
  } finally {
    await database.close();
  }
}

export async function importCommand(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      mode: { type: 'string', default: 'all_or_nothing' },
      as: { type: 'string' },
      welcome: { type: 'boolean', default: false },
    },
  });
  const [what, given] = positionals;
  if ((what !== 'tickets' && what !== 'customers') || !given)
    throw new Error(`usage: opsdesk ${IMPORT_USAGE}`);
  const file = given;
  const mode = values.mode;
  if (!isOneOf(mode, ['all_or_nothing', 'skip_invalid'] as const))
    throw new Error('import: --mode must be all_or_nothing or skip_invalid');
  if (what === 'customers') {
    if (values.format !== undefined && values.format !== 'csv')
      throw new Error('import: customers are imported from CSV');
    const customers = await import('./modules/customers/index.ts');
    return runImportCommand(
      config,
      file,
      { what, mode, as: values.as },
      ({ services, ctx }, chunks, onProgress) =>
        services.customerImporter(ctx, customers.parseCustomerImport(chunks, customers.IMPORT_MAX_ROWS), {
          mode,
          batchSize: customers.IMPORT_BATCH_SIZE,
          sendWelcome: values.welcome,
          onProgress,
        }),
    );
  }
  if (values.welcome) throw new Error('import: --welcome is for customers');
  const format = values.format ?? (path.extname(file).toLowerCase() === '.csv' ? 'csv' : 'ndjson');
  if (!isOneOf(format, ['csv', 'ndjson'] as const)) throw new Error('import: --format must be csv or ndjson');
  const tickets = await import('./modules/tickets/index.ts');
  return runImportCommand(
    config,
    file,
    { what, mode, as: values.as },
    ({ services, database, ctx }, chunks, onProgress) =>
      tickets.runImport(
        { db: database.db, tickets: services.tickets },
        ctx,
        tickets.parseImport(chunks, format, config.ticketImportMaxRows),
        { mode, batchSize: config.ticketImportBatchSize, onProgress },
      ),
  );
}
