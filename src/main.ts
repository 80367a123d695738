import cluster from 'node:cluster';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { describeSettings, loadConfig, type Config } from './config.ts';
import { systemContext } from './platform/auth/actor.ts';
import { connectRedis } from './platform/cache/redis.ts';
import { connectDatabase } from './platform/db/client.ts';
import type { EmbeddedPostgres } from './platform/db/embedded.ts';
import { openDatabase, type OpenDatabase } from './platform/db/open.ts';
import { documentFor } from './platform/http/openapi.ts';
import { DEMO_LOGINS, seedDemo } from './modules/seed.ts';
import { allJobs, createServices } from './modules/index.ts';
import { superviseWorker, type JobWorker } from './platform/jobs/worker.ts';
import {
  serveGroupMetrics,
  shareProcessMetricsWithPrimary,
} from './platform/observability/cluster-metrics.ts';
import { loggerOptions } from './platform/observability/logging.ts';
import { settledWithin } from './platform/process/deadline.ts';
import { announceReady, superviseChildren, type Supervisor } from './platform/process/cluster.ts';
import { createShutdown, onTerminationSignals } from './platform/process/shutdown.ts';

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

Settings come from the environment; see README.md or \`opsdesk config\`.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    return fail((error as Error).message);
  }
}

const prettyLogs = () =>
  process.stdout.isTTY
    ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } }
    : undefined;

async function serve(config: Config): Promise<void> {
  if (config.webConcurrency > 1 && cluster.isPrimary) return serveCluster(config);
  const started = Date.now();
  const database = await openDatabase(config, { migrate: config.autoMigrate });
  try {
    await startServing(config, database, started);
  } catch (error) {
    // Stop an embedded PostgreSQL this process started instead of leaving it behind.
    await database.close().catch(() => undefined);
    throw error;
  }
}

async function startServing(config: Config, database: OpenDatabase, started: number): Promise<void> {
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (config.seedDemo && (await seedDemo(createServices(database, config)))) {
    process.stdout.write('Seeded the demo organisation.\n');
  }
  const transport = prettyLogs();
  const app = await buildApp({
    config,
    database,
    redis,
    logger: loggerOptions(config.logLevel, transport),
  });

  // Filled in once the server listens; shutdown may come before that.
  const running: { worker?: Pick<JobWorker, 'stop'> } = {};
  const shutdown = createShutdown(
    {
      beginDrain: () => {
        app.beginDrain();
      },
      stopAccepting: () => app.close(),
      stopJobs: async (budgetMs) => running.worker?.stop(budgetMs),
      release: [
        ...(redis ? [{ name: 'redis', close: (budgetMs: number) => closeRedis(redis, budgetMs) }] : []),
        { name: 'database', close: (budgetMs: number) => database.close(budgetMs) },
      ],
    },
    { log: app.log, drainDelayMs: config.shutdownDrainDelayMs, timeoutMs: config.shutdownTimeoutMs },
  );
  onTerminationSignals(shutdown);

  const address = await app.listen({ host: config.host, port: config.port });
  // Started once the server listens, so a failed start never leaves a worker behind.
  running.worker = config.workerInProcess
    ? superviseWorker({
        pool: database.pool,
        jobs: allJobs(app.services, database.db),
        concurrency: config.workerConcurrency,
        log: app.log,
      })
    : undefined;

  if (cluster.isWorker) {
    announceReady(address);
    return;
  }
  printBanner(config, { address, started, database, processes: 1 });
}

/** Printed once the whole group serves (by the primary of a cluster). */
function printBanner(
  config: Config,
  group: { address: string; started: number; database: OpenDatabase; processes: number },
): void {
  const url = config.publicUrl ?? group.address;
  const demo = config.seedDemo
    ? `\n  Demo login: ${DEMO_LOGINS[0].username} / ${DEMO_LOGINS[0].password} (also manager, agent, viewer: same password)`
    : '';
  const processes =
    group.processes > 1
      ? `${group.processes} API processes${config.workerInProcess ? ' + 1 job worker' : ''} (WEB_CONCURRENCY)`
      : `1 process${config.workerInProcess ? ', job worker included' : ''}`;
  const database = group.database.embedded ? describeEmbedded(group.database.embedded) : 'DATABASE_URL';
  process.stdout.write(
    `\nOpsdesk is serving at ${url}  (ready in ${((Date.now() - group.started) / 1000).toFixed(1)} s)\n` +
      `  API docs:   ${url}/docs\n  Health:     ${url}/api/health/\n` +
      `  Processes:  ${processes}\n  Database:   ${database}${demo}\n\n`,
  );
}

/**
 * WEB_CONCURRENCY > 1: this process becomes the primary. It starts (or joins) the
 * database, migrates and seeds once, then forks the API processes (each `serve` with
 * WEB_CONCURRENCY=1 and no job worker) and one job worker (`worker`), all connecting by
 * URL. On SIGTERM/SIGINT every child drains as a single process does; the primary waits
 * for them, then stops the embedded PostgreSQL it started.
 */
async function serveCluster(config: Config): Promise<void> {
  const started = Date.now();
  const log = pino(loggerOptions(config.logLevel, prettyLogs()));
  const database = await openDatabase(config, { migrate: config.autoMigrate, poolMax: 2 });
  // Filled in once the children are forked; a signal may come before that.
  const group: { supervisor?: Supervisor } = {};
  // Children get less time than the primary, which still stops the embedded PostgreSQL after them.
  const childTimeoutMs = Math.max(
    config.shutdownDrainDelayMs + 1000,
    config.shutdownTimeoutMs - Math.min(3000, Math.floor(config.shutdownTimeoutMs / 4)),
  );
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code: number) =>
    (stopping ??= (async () => {
      const signalled = Date.now();
      log.info({ signal: reason }, 'stopping every process of the group');
      const deadline = setTimeout(() => process.exit(1), config.shutdownTimeoutMs);
      deadline.unref();
      const clean = (await group.supervisor?.stop(childTimeoutMs)) ?? true;
      await database.close().catch((error: unknown) => {
        log.error({ err: error }, 'the database did not close');
      });
      log.info({ took_ms: Date.now() - signalled }, 'group shut down');
      process.exit(clean ? code : 1);
    })());
  onTerminationSignals((signal) => stop(signal, 0));

  try {
    if (config.seedDemo && (await seedDemo(createServices(database, config))))
      process.stdout.write('Seeded the demo organisation.\n');
    await warnIfConnectionsExceed(database, config, log);
    await database.disconnect();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  const children = [
    ...Array.from({ length: config.webConcurrency }, (_, index) => ({
      name: `api-${index + 1}`,
      args: ['serve'],
    })),
    ...(config.workerInProcess ? [{ name: 'worker', args: ['worker'] }] : []),
  ];
  serveGroupMetrics();
  const supervisor = (group.supervisor = superviseChildren(children, {
    log,
    env: {
      DATABASE_URL: database.url,
      WEB_CONCURRENCY: '1',
      WORKER_IN_PROCESS: 'false',
      AUTO_MIGRATE: 'false',
      SEED_DEMO: 'false',
      SHUTDOWN_TIMEOUT_MS: String(childTimeoutMs),
    },
  }));
  try {
    const address = await supervisor.ready;
    printBanner(config, {
      address: address ?? `http://${config.host}:${config.port}`,
      started,
      database,
      processes: config.webConcurrency,
    });
  } catch (error) {
    log.error({ err: error }, 'the group did not start');
    await stop('start failed', 1);
  }
}

/** Every process has its own pool; say so when they could open more than PostgreSQL allows. */
async function warnIfConnectionsExceed(
  database: OpenDatabase,
  config: Config,
  log: { warn(object: object, message: string): void },
): Promise<void> {
  const processes = config.webConcurrency + (config.workerInProcess ? 1 : 0);
  // Each API process also holds one LISTEN connection for cache invalidation.
  const wanted = processes * config.databasePoolMax + config.webConcurrency;
  const { rows } = await database.pool.query<{ available: number }>(
    `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int AS available`,
  );
  const available = rows[0]?.available ?? Infinity;
  if (wanted > available)
    log.warn(
      { processes, pool_max: config.databasePoolMax, wanted, available },
      'the processes may open more connections than PostgreSQL allows: lower DATABASE_POOL_MAX or WEB_CONCURRENCY, or raise max_connections',
    );
}

const describeEmbedded = (embedded: EmbeddedPostgres) =>
  embedded.relocated
    ? `embedded PostgreSQL in ${embedded.dataDirectory}\n              (kept outside DATA_DIR, which its unprivileged user cannot enter; DATA_DIR/postgres/data links to it)`
    : `embedded PostgreSQL in ${embedded.dataDirectory}`;

async function runWorkerProcess(config: Config): Promise<void> {
  const database = await openDatabase(config, { migrate: config.autoMigrate });
  const transport = prettyLogs();
  const log = pino(loggerOptions(config.logLevel, transport));
  // Supervised like the in-process worker: a database outage restarts it instead of ending the process.
  const worker = superviseWorker({
    pool: database.pool,
    jobs: allJobs(createServices(database, config), database.db),
    concurrency: config.workerConcurrency,
    log,
  });
  onTerminationSignals(
    createShutdown(
      {
        stopJobs: (budgetMs) => worker.stop(budgetMs),
        release: [{ name: 'database', close: (budgetMs) => database.close(budgetMs) }],
      },
      { log, drainDelayMs: 0, timeoutMs: config.shutdownTimeoutMs },
    ),
  );
  log.info({ concurrency: config.workerConcurrency }, 'worker started');
  shareProcessMetricsWithPrimary();
  announceReady();
}

/** QUIT when Redis answers; a Redis that does not is disconnected without waiting. */
async function closeRedis(redis: Redis, budgetMs: number): Promise<void> {
  if (
    (await settledWithin(
      redis.quit().catch(() => 'failed'),
      budgetMs,
    )) !== 'OK'
  )
    redis.disconnect();
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

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(`opsdesk: ${error instanceof Error ? error.message : String(error)}`);
});
