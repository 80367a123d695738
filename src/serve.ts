import cluster from 'node:cluster';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Config } from './config.ts';
import { connectRedis } from './platform/cache/redis.ts';
// Constants only: seed.ts imports the modules for their types alone.
import { DEMO_LOGINS } from './modules/seed.ts';
import type { EmbeddedPostgres } from './platform/db/embedded.ts';
import { openDatabase, type OpenDatabase } from './platform/db/open.ts';
import { superviseWorker, type JobWorker } from './platform/jobs/worker.ts';
import {
  serveGroupMetrics,
  shareProcessMetricsWithPrimary,
} from './platform/observability/cluster-metrics.ts';
import { loggerOptions } from './platform/observability/logging.ts';
import { settledWithin } from './platform/process/deadline.ts';
import { announceReady, superviseChildren, type Supervisor } from './platform/process/cluster.ts';
import { createShutdown, onTerminationSignals } from './platform/process/shutdown.ts';

/*
 * The long-running commands, `serve` (one process, or a group of one API process per
 * core and one job worker) and `worker`; main.ts holds the CLI around them.
 */

const prettyLogs = () =>
  process.stdout.isTTY
    ? { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } }
    : undefined;

export async function serve(config: Config): Promise<void> {
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

/** Seeds the demo organisation when configured; loaded on demand like the app itself. */
async function seedIfWanted(config: Config, database: OpenDatabase): Promise<void> {
  if (!config.seedDemo) return;
  const [{ seedDemo }, { createServices }] = await Promise.all([
    import('./modules/seed.ts'),
    import('./modules/index.ts'),
  ]);
  if (await seedDemo(createServices(database, config)))
    process.stdout.write('Seeded the demo organisation.\n');
}

async function startServing(config: Config, database: OpenDatabase, started: number): Promise<void> {
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  await seedIfWanted(config, database);
  const [{ buildApp }, { allJobs }, { startOutboxTriggers }] = await Promise.all([
    import('./app.ts'),
    import('./modules/index.ts'),
    import('./outbox-triggers.ts'),
  ]);
  const transport = prettyLogs();
  const app = await buildApp({
    config,
    database,
    redis,
    logger: loggerOptions(config.logLevel, transport),
  });

  // Filled in once the server listens; shutdown may come before that.
  const running: { worker?: Pick<JobWorker, 'stop'>; trigger?: { close(): Promise<void> } } = {};
  const shutdown = createShutdown(
    {
      beginDrain: () => {
        app.beginDrain();
      },
      stopAccepting: () => app.close(),
      stopJobs: async (budgetMs) => {
        await running.trigger?.close();
        await running.worker?.stop(budgetMs);
      },
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
  running.trigger = config.workerInProcess
    ? startOutboxTriggers({ pool: database.pool, db: database.db, log: app.log })
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
    await warnIfConnectionsExceed(database, config, log);
    await database.disconnect();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
  const children = [
    // The first API process seeds before it listens: the primary never loads the
    // application's modules, so it stays small.
    ...Array.from({ length: config.webConcurrency }, (_, index) => ({
      name: `api-${index + 1}`,
      args: ['serve'],
      env: { SEED_DEMO: String(index === 0 && config.seedDemo) },
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

export async function runWorkerProcess(config: Config): Promise<void> {
  const [{ allJobs, createServices }, { startOutboxTriggers }] = await Promise.all([
    import('./modules/index.ts'),
    import('./outbox-triggers.ts'),
  ]);
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
  const trigger = startOutboxTriggers({ pool: database.pool, db: database.db, log });
  onTerminationSignals(
    createShutdown(
      {
        stopJobs: async (budgetMs) => {
          await trigger.close();
          await worker.stop(budgetMs);
        },
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
