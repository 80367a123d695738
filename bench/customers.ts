/**
 * Customer search at scale: loads BENCH_CUSTOMERS (default 1,000,000) customers into a
 * database of their own, PII encrypted as the API stores it, then serves the API
 * in-process and measures search latency with a single client (one request at a
 * time), printing p50/p99 per case:
 *
 *   npx tsx bench/customers.ts [--force]       (also: BENCH_ONLY=customers npm run bench)
 *
 * The load uses COPY ... FREEZE with the secondary indexes dropped and rebuilt after,
 * as bench/generate.ts does for tickets. Encrypting a million customers in Node costs
 * time, so the data set is honest about what search touches and economical elsewhere:
 * every row's e-mail and phone are encrypted and blind-indexed individually, but the
 * data keys come from a pool of 1,024 (each wrapped once) and one customer in five has
 * an address, birth date and notes, encrypted once per data key and shared by the
 * customers under it. Search never reads those fields; pages decrypt them.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { systemContext } from '../src/platform/auth/actor.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { createCustomerVault, customerKeysFrom } from '../src/modules/customers/index.ts';
import {
  copyInto,
  ensureDatabase,
  rebuildSecondaryObjects,
  saveAndDropSecondaryObjects,
  tuneSession,
} from './generate.ts';
import { loginAndCreateToken } from './server.ts';
import { FIRST_NAMES, LAST_NAMES } from './vocabulary.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/opsdesk_bench_customers';
const PASSWORD = 'bench-password';
const DATA_KEY_POOL = 1024;
const RARE_NAME = 'Zeppelinski';
const TYPO_TARGET = 'Hamilton';
const SAMPLES = 200;
const WARMUP = 20;

/** Fixed bench keys (never used anywhere else), so a reloaded data set stays readable. */
const benchKey = (purpose: string) => createHash('sha256').update(`opsdesk-bench-${purpose}`).digest();
export const BENCH_CUSTOMER_ENV = {
  CUSTOMER_DATA_KEYS: `bench:${benchKey('kek').toString('base64')}`,
  CUSTOMER_BLIND_INDEX_KEY: benchKey('blind-index').toString('base64'),
};

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ren',
  'dor',
  'vas',
  'tel',
  'bri',
  'son',
  'mar',
  'ith',
  'gan',
  'pel',
  'sto',
  'vic',
  'har',
  'wen',
  'lin',
  'cas',
  'nor',
  'bel',
  'tor',
  'ash',
  'rud',
  'fen',
  'ol',
  'mak',
  'zan',
  'quil',
  'der',
  'hol',
  'ven',
  'sar',
  'kel',
  'tam',
  'yor',
  'dun',
  'pra',
  'ew',
  'nis',
];
const COMPANY_WORDS = [
  'Logistics',
  'Media',
  'Events',
  'Studios',
  'Rentals',
  'Systems',
  'Partners',
  'Audio',
  'Group',
  'Works',
];
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const synthetic = (random: () => number, parts: number) =>
  capitalise(Array.from({ length: parts }, () => pick(random, SYLLABLES)).join(''));

const COLUMNS = [
  'id',
  'kind',
  'first_name',
  'last_name',
  'company',
  'status',
  'tags',
  'data_key',
  'data_key_kek',
  'email',
  'phone',
  'addresses',
  'date_of_birth',
  'notes',
  'email_index',
  'phone_index',
  'version',
  'created_at',
  'updated_at',
];

const hex = (value: Buffer | null | undefined) => (value ? `\\\\x${value.toString('hex')}` : '\\N');

/** The e-mail of customer `i`, so the bench can look one up by exact value. */
const emailOf = (i: number, first: string, last: string) =>
  `${first}.${last}.${i}@example.test`
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^\x20-\x7e]/g, '');

function* customerChunks(total: number, now: number): Generator<string> {
  const vault = createCustomerVault(customerKeysFrom({ isProduction: true, ...parsedKeys() }));
  const keys = Array.from({ length: DATA_KEY_POOL }, () => vault.newDataKey());
  const extras = keys.map(({ dataKey }) =>
    vault.seal(dataKey, {
      addresses: [
        {
          kind: 'main',
          lines: ['1 Bench Street'],
          city: 'Leeds',
          region: '',
          postcode: 'LS1 1AA',
          country: 'GB',
        },
      ],
      dateOfBirth: '1980-01-01',
      notes: 'Bench customer.',
    }),
  );
  const random = mulberry32(2024);
  const span = 730 * 86_400_000;
  let lines: string[] = [];
  for (let i = 1; i <= total; i++) {
    const organisation = random() < 0.15;
    const roll = random();
    const last =
      roll < 0.0001
        ? RARE_NAME
        : roll < 0.0006
          ? TYPO_TARGET
          : roll < 0.3
            ? pick(random, LAST_NAMES)
            : synthetic(random, 3);
    const first = random() < 0.5 ? pick(random, FIRST_NAMES) : synthetic(random, 2);
    const company = organisation
      ? `${last} ${pick(random, COMPANY_WORDS)}`
      : random() < 0.2
        ? `${synthetic(random, 2)} ${pick(random, COMPANY_WORDS)}`
        : '';
    const slot = i % DATA_KEY_POOL;
    const { dataKey, columns } = keys[slot] as (typeof keys)[number];
    const email = emailOf(i, organisation ? 'info' : first, last);
    const phone = `+44 7700 ${String(100000 + (i % 900000)).padStart(6, '0')}`;
    const pii = vault.seal(dataKey, { email, phone });
    const extra = random() < 0.2 ? extras[slot] : undefined;
    const created = new Date(now - span + Math.floor((i / total) * span)).toISOString();
    lines.push(
      [
        i,
        organisation ? 'organisation' : 'person',
        organisation ? '' : first,
        organisation ? '' : last,
        company,
        pick(random, ['lead', 'active', 'active', 'inactive']),
        random() < 0.3 ? `{${pick(random, ['vip', 'rental', 'events', 'press'])}}` : '{}',
        hex(columns.dataKey),
        'bench',
        hex(pii.email),
        hex(pii.phone),
        hex(extra?.addresses),
        hex(extra?.dateOfBirth),
        hex(extra?.notes),
        pii.emailIndex,
        pii.phoneIndex,
        1,
        created,
        created,
      ].join('\t'),
    );
    if (lines.length === 2000) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

function parsedKeys() {
  const config = loadConfig({ NODE_ENV: 'test', ...BENCH_CUSTOMER_ENV });
  return { customerDataKeys: config.customerDataKeys, customerBlindIndexKey: config.customerBlindIndexKey };
}

async function load(url: string, total: number, force: boolean, log: (line: string) => void): Promise<void> {
  await ensureDatabase(url);
  const pool = new pg.Pool({ connectionString: url, max: 3, application_name: 'opsdesk-bench-customers' });
  try {
    await runMigrations(pool);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
    const { rows: pending } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'customers' AND indexname = 'customers_search_idx'",
    );
    if (!force && (rows[0]?.n ?? 0) >= total && pending[0]?.n === 1) {
      log(`Bench customers present: ${rows[0]?.n.toLocaleString('en')}; reusing them.`);
      return;
    }
    const started = performance.now();
    const lap = (label: string) => {
      log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    };
    log(`Generating ${total.toLocaleString('en')} customers into ${new URL(url).pathname.slice(1)} ...`);
    // Indexes and foreign keys (those of other tables onto customers too) are dropped for
    // the load and rebuilt after; their definitions are kept until then, so a load that
    // was cut off is repaired by the next run.
    const dropper = await pool.connect();
    try {
      await saveAndDropSecondaryObjects(dropper, ['customers']);
    } finally {
      dropper.release();
    }
    // The name-word triggers (per row on update, per statement on insert) are off for the
    // load; the words are collected in one statement after it.
    await pool.query('ALTER TABLE customers DISABLE TRIGGER USER');
    await pool.query('TRUNCATE customer_search_words, customer_key_rotations');
    await copyInto(pool, 'customers', COLUMNS, customerChunks(total, Date.now()));
    lap('encrypt + COPY');
    await pool.query('ALTER TABLE customers ENABLE TRIGGER USER');
    await rebuildSecondaryObjects(pool, log);
    lap('indexes and foreign keys');
    const client = await pool.connect();
    try {
      await tuneSession(client);
      await client.query(
        `INSERT INTO customer_search_words (word)
         SELECT DISTINCT lower(w) FROM customers, regexp_split_to_table(first_name || ' ' || last_name || ' ' || company, '[^[:alnum:]]+') AS w
          WHERE length(w) >= 3 ON CONFLICT DO NOTHING`,
      );
      await client.query(`SELECT setval(pg_get_serial_sequence('customers', 'id'), $1::bigint + 1, false)`, [
        total,
      ]);
      await client.query('VACUUM ANALYZE customers');
      await client.query('VACUUM ANALYZE customer_search_words');
    } finally {
      client.release();
    }
    lap('search words, VACUUM ANALYZE; total');
  } finally {
    await pool.end();
  }
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export interface SearchFigure {
  name: string;
  path: string;
  matches: number;
  p50: number;
  p99: number;
}

/** The API in this process on a free port, one client, one request at a time. */
async function measure(url: string, total: number, log: (line: string) => void): Promise<SearchFigure[]> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    LOGIN_RATE_LIMIT_PER_MINUTE: '0',
    ...BENCH_CUSTOMER_ENV,
  });
  const database = connectDatabase({ url, poolMax: 4, statementTimeoutMs: 30_000 });
  const app = await buildApp({ config, database, logger: false });
  try {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const username = 'customers-bench';
    if (!(await app.services.identity.countUsers()))
      await app.services.identity.createSuperuser(systemContext('bench'), {
        username,
        email: 'bench@bench.opsdesk.test',
        password: PASSWORD,
      });
    const token = await loginAndCreateToken(base, username, PASSWORD);
    // A person's e-mail to look up (an organisation's is built from its company's last name).
    const { rows } = await database.pool.query<{ id: number; first_name: string; last_name: string }>(
      "SELECT id, first_name, last_name FROM customers WHERE id >= $1 AND kind = 'person' ORDER BY id LIMIT 1",
      [Math.floor(total * 0.4242) || 1],
    );
    const row = rows[0];
    const email = row ? emailOf(row.id, row.first_name, row.last_name) : '';
    const cases: [string, string][] = [
      // The floor on this machine: a page of 20 decrypted customers with no search at all.
      ['plain page', 'status=active'],
      ['common name', `search=${encodeURIComponent(LAST_NAMES[0] ?? 'Okafor')}`],
      ['rare name', `search=${RARE_NAME.toLowerCase()}`],
      ['prefix', 'search=hamil'],
      ['misspelt', 'search=hamliton'],
      [
        'first + last',
        `search=${encodeURIComponent(`${FIRST_NAMES[0] ?? 'Ada'} ${LAST_NAMES[1] ?? 'Mehta'}`)}`,
      ],
      ['e-mail exact', `search=${encodeURIComponent(email)}`],
      ['e-mail filter', `email=${encodeURIComponent(email.toUpperCase())}`],
    ];
    const figures: SearchFigure[] = [];
    for (const [name, query] of cases) {
      const path = `/api/v2/customers?${query}&limit=20`;
      const times: number[] = [];
      let matches = 0;
      for (let i = 0; i < WARMUP + SAMPLES; i++) {
        const started = performance.now();
        const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await response.json()) as { data?: unknown[] };
        if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
        if (i >= WARMUP) times.push(performance.now() - started);
        matches = body.data?.length ?? 0;
      }
      times.sort((a, b) => a - b);
      figures.push({ name, path, matches, p50: quantile(times, 0.5), p99: quantile(times, 0.99) });
      const last = figures.at(-1) as SearchFigure;
      log(
        `  ${name.padEnd(14)} p50 ${last.p50.toFixed(1).padStart(6)} ms   p99 ${last.p99.toFixed(1).padStart(6)} ms   (${matches} on the page)  ${path}`,
      );
    }
    return figures;
  } finally {
    await app.close();
    await database.close();
  }
}

export async function runCustomerBench(
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
) {
  const url = process.env.BENCH_CUSTOMERS_DATABASE_URL ?? DEFAULT_URL;
  if (!['127.0.0.1', 'localhost'].includes(new URL(url).hostname))
    throw new Error('BENCH_CUSTOMERS_DATABASE_URL must point at this machine');
  const total = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
  if (!Number.isInteger(total) || total < 1000) throw new Error('BENCH_CUSTOMERS must be at least 1000');
  await load(url, total, process.argv.includes('--force'), log);
  const loadBefore = (await import('node:os')).loadavg();
  log(
    `Customer search, ${total.toLocaleString('en')} customers, single client, ${SAMPLES} requests per case (after ${WARMUP}):`,
  );
  const figures = await measure(url, total, log);
  log(
    `  load average before: ${loadBefore.map((n) => n.toFixed(2)).join(' ')}; after: ${(
      await import('node:os')
    )
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCustomerBench().catch((error: unknown) => {
    process.stderr.write(
      `bench/customers: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
