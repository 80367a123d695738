/**
 * The read cache under a read-mostly mix: ticket detail reads (95%) and edits (5%) by
 * concurrent callers over a hot set of tickets, through the tickets service (the layer
 * the cache wraps), once with the cache and once without (READ_CACHE_ENTRIES=0), on the
 * same data. Prints throughput, latency, the cache's hit ratio (from its Prometheus
 * counters) and the speedup.
 *
 *   npx tsx bench/cache.ts [--tickets 2000] [--hot 200] [--seconds 10] [--concurrency 8] [--writes 0.05]
 *
 * Uses CACHE_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/opsdesk_cache_bench),
 * dropped and created again at each run.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/modules/index.ts';
import { systemContext, type Actor } from '../src/platform/auth/actor.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { loadAverage, recreateDatabase } from './lib/scratch.ts';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '2000' },
    hot: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    writes: { type: 'string', default: '0.05' },
  },
});
const url = process.env.CACHE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/opsdesk_cache_bench';

function servicesWith(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent', ...env });
  const database = connectDatabase({ url, poolMax: 10, statementTimeoutMs: 60_000 });
  return { database, services: createServices(database, config) };
}

async function seed(): Promise<{ ids: number[]; agent: Actor }> {
  const { database, services } = servicesWith({});
  await runMigrations(database.pool);
  const ctx = systemContext('bench');
  const department = await services.identity.ensureDepartment(ctx, 'Operations');
  const facility = await services.sites.createFacility(ctx, { name: 'Studio 1' });
  const person = await services.identity.createPerson(ctx, {
    username: 'bench-agent',
    email: 'bench-agent@example.test',
    password: 'bench-password-123',
    firstName: 'Bench',
    lastName: 'Agent',
    role: 'agent',
    departmentId: department.id,
  });
  const ids: number[] = [];
  for (let index = 0; index < Number(values.tickets); index += 1) {
    const ticket = await services.tickets.create(ctx, 'incident', {
      title: `Bench ticket ${index}`,
      departmentId: department.id,
      facilityId: facility.id,
      reporterId: person.user.id,
    });
    ids.push(ticket.id);
  }
  await database.close();
  const agent: Actor = {
    userId: person.user.id,
    username: person.user.username,
    role: 'agent',
    departmentId: department.id,
    isStaff: true,
    isSuperuser: false,
    via: 'session',
  };
  return { ids, agent };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

async function run(label: string, env: Record<string, string>, ids: number[], agent: Actor) {
  const { database, services } = servicesWith(env);
  const ctx = systemContext('bench-writer');
  const hot = ids.slice(0, Number(values.hot));
  const pick = () => hot[Math.floor(Math.random() * hot.length)] ?? 0;
  const writes = Number(values.writes);
  const latencies: number[] = [];
  let reads = 0;
  let edits = 0;
  const until = Date.now() + Number(values.seconds) * 1000;
  const worker = async () => {
    while (Date.now() < until) {
      const id = pick();
      const started = performance.now();
      if (Math.random() < writes) {
        await services.tickets.update(ctx, id, { title: `Edited ${Math.random().toString(36).slice(2, 8)}` });
        edits += 1;
      } else {
        await services.tickets.get(agent, id);
        latencies.push(performance.now() - started);
        reads += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  const { hits: hitCount, misses: missCount } = services.cacheMetrics.totals();
  await database.close();
  latencies.sort((a, b) => a - b);
  const seconds = Number(values.seconds);
  return {
    label,
    readsPerSecond: reads / seconds,
    editsPerSecond: edits / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    hitRatio: hitCount + missCount === 0 ? 0 : hitCount / (hitCount + missCount),
  };
}

await recreateDatabase(url);
const { ids, agent } = await seed();
const load = loadAverage();
const uncached = await run('no cache', { READ_CACHE_ENTRIES: '0' }, ids, agent);
const cached = await run('cache', {}, ids, agent);
console.log(
  `\nticket detail, ${values.concurrency} callers, ${Number(values.writes) * 100}% edits, ${values.hot} hot of ${values.tickets} tickets, ${values.seconds} s each`,
);
console.log('| run | reads/s | edits/s | read p50 ms | read p99 ms | hit ratio |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of [uncached, cached])
  console.log(
    `| ${row.label} | ${row.readsPerSecond.toFixed(0)} | ${row.editsPerSecond.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${(row.hitRatio * 100).toFixed(1)}% |`,
  );
console.log(`\nspeedup of reads: ${(cached.readsPerSecond / uncached.readsPerSecond).toFixed(2)}x`);
console.log(`load average before: ${load}; ${os.cpus().length} CPUs`);
await recreateDatabase(url).catch(() => undefined);
