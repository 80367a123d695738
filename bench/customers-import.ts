/**
 * How fast a customer import runs: a scratch database on the local PostgreSQL holding
 * EXISTING customers already (so duplicate detection reads real blind-index buckets),
 * a generated CSV of ROWS customers with every encrypted field filled (e-mail, phone,
 * an address, a birth date, notes) and 1% duplicates, then the real CLI
 * (`opsdesk import customers FILE --mode skip_invalid`) as a child process, timed,
 * under production settings (a configured key ring); the counts are checked after.
 *
 *   npm run bench:customers-import -- --rows 100000 [--existing 10000] [--keep]
 *
 * The database (CUSTOMER_IMPORT_BENCH_DATABASE_URL, default
 * opsdesk_customer_import_bench) is dropped and created anew on every run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createServices } from '../src/modules/index.ts';
import { generateKeyLine } from '../src/modules/customers/index.ts';
import { systemContext } from '../src/platform/auth/actor.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { countsAt, loadAverage, recreateDatabase, timedCli } from './lib/scratch.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    existing: { type: 'string', default: '2000' },
    keep: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const existing = Number(values.existing);
const url =
  process.env.CUSTOMER_IMPORT_BENCH_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/opsdesk_customer_import_bench';
const keys = {
  CUSTOMER_DATA_KEYS: generateKeyLine('bench'),
  CUSTOMER_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
  SECRET_KEY: 'x'.repeat(48),
};

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman'];
const person = (index: number) => ({
  first: FIRST[index % FIRST.length] ?? 'Ada',
  last: `${LAST[index % LAST.length] ?? 'Lovelace'}${Math.floor(index / 90)}`,
  email: `customer${index}@bench.example`,
  phone: `+44 20 ${String(7000_0000 + index).replace(/(\d{4})(\d{4})/, '$1 $2')}`,
});

/** EXISTING customers through the service (the create path); the CSV repeats some of them. */
async function seedExisting() {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent', ...keys });
  const database = connectDatabase({ url, poolMax: 4, statementTimeoutMs: 60_000 });
  await runMigrations(database.pool);
  const services = createServices(database, config);
  const ctx = systemContext('bench');
  for (let index = 0; index < existing; index += 1) {
    const { first, last, email, phone } = person(rows + index);
    await services.customers.create(ctx, { firstName: first, lastName: last, email, phone });
  }
  await database.close();
}

async function writeCsv(file: string) {
  const lines = [
    'first_name,last_name,company,email,phone,addresses,date_of_birth,notes,tags,status,marketing_consent',
  ];
  for (let index = 0; index < rows; index += 1) {
    // 1% repeat an existing customer's e-mail: reported as duplicates, not imported.
    const { first, last, email, phone } = person(index % 100 === 99 ? rows + (index % existing) : index);
    const address = JSON.stringify([
      { kind: 'home', lines: [`${index} High Street`], city: 'London', country: 'GB' },
    ]);
    lines.push(
      [
        first,
        last,
        index % 3 === 0 ? 'Northwind Broadcasting' : '',
        email,
        phone,
        `"${address.replace(/"/g, '""')}"`,
        `19${String(50 + (index % 50))}-0${1 + (index % 9)}-1${index % 10}`,
        `"Imported from the old CRM, row ${index}; prefers calls after 10"`,
        index % 2 === 0 ? 'vip;newsletter' : 'trade',
        index % 4 === 0 ? 'active' : 'lead',
        index % 2 === 0 ? 'true' : 'false',
      ].join(','),
    );
  }
  await fs.writeFile(file, `${lines.join('\n')}\n`);
}

async function runCli(file: string) {
  let problems = 0;
  const result = await timedCli(
    ['import', 'customers', file, '--mode', 'skip_invalid'],
    { ...process.env, DATABASE_URL: url, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...keys },
    (chunk) => {
      // The 1% duplicates are listed on stderr: show progress, count the rest.
      for (const line of chunk.toString().split('\n')) {
        if (line.startsWith('  row ')) problems += 1;
        else if (line.trim()) process.stderr.write(`${line}\n`);
      }
    },
  );
  if (problems > 0) process.stderr.write(`(${problems} row problems listed)\n`);
  return result;
}

const counts = () =>
  countsAt(
    url,
    `select
    (select count(*) from customers)::int as customers,
    (select count(*) from customers where email is null or data_key is null)::int as without_ciphertext,
    (select count(*) from audit_log where resource_type = 'customer')::int as audit`,
  );

await recreateDatabase(url);
await seedExisting();
const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-customer-import-')), 'customers.csv');
await writeCsv(file);
const { size } = await fs.stat(file);
const load = loadAverage();
const { code, seconds } = await runCli(file);
const found = await counts();
console.log(
  `\n${rows.toLocaleString('en')} rows (${(size / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s: ${Math.round(rows / seconds).toLocaleString('en')} rows/s (CLI start included), exit ${code}`,
);
console.log(`load average before: ${load}; after: ${loadAverage()}; ${os.cpus().length} CPUs`);
console.log(`written (with ${existing.toLocaleString('en')} existing): ${JSON.stringify(found)}`);
await fs.rm(path.dirname(file), { recursive: true });
if (!values.keep) await recreateDatabase(url).catch(() => undefined);
