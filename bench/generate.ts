/**
 * Loads the benchmark data set into its own database (never the app's): 4 departments,
 * 200 users, 5 locations, 40 facilities, 12 incident types, 24 categories and
 * BENCH_TICKETS tickets (default 1,000,000) spread over the last 24 months, with ~1.5
 * comments each. Tickets and comments go in through COPY (FREEZE, so the loaded pages
 * are already frozen and all-visible), with the secondary indexes and foreign keys
 * dropped during the load and rebuilt after, two at a time.
 *
 *   BENCH_TICKETS=20000 npx tsx bench/generate.ts [--force]
 *
 * Reuses the data when the tickets table already holds at least BENCH_TICKETS rows.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { hashPassword } from '../src/platform/auth/passwords.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import { insertRows, insertUsers, type BenchUser } from './lib/rows.ts';
import * as words from './vocabulary.ts';

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/opsdesk_bench';
export const BENCH_PASSWORD = 'bench-password';
export const BENCH_USERS = 200;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SPAN_DAYS = 730;

export interface GenerateOptions {
  url: string;
  tickets: number;
  force?: boolean;
  log?: (line: string) => void;
}

export interface GenerateResult {
  generated: boolean;
  tickets: number;
  comments: number;
  seconds: number;
}

// ---------------------------------------------------------------------------
// Deterministic randomness: a sequential PRNG per stream, and a stateless hash for
// values two streams must agree on (a ticket's creation time, read by the comments).

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

function hashUnit(value: number, salt: number): number {
  let h = Math.imul(value ^ salt, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

function weighted<T>(random: () => number, choices: readonly (readonly [T, number])[]): T {
  let r = random() * choices.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [value, weight] of choices) {
    r -= weight;
    if (r < 0) return value;
  }
  return (choices.at(-1) as readonly [T, number])[0];
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

// ---------------------------------------------------------------------------
// The reference data (small, plain INSERTs) and the ids the tickets draw from.

interface Reference {
  userIds: number[];
  staffIds: number[];
  departmentIds: number[];
  facilityIds: number[];
  facilityNames: string[];
  incidentTypeIds: number[];
  categoryChildren: Map<number, number[]>;
}

async function loadReference(client: pg.ClientBase, passwordHash: string, now: number): Promise<Reference> {
  const random = mulberry32(7);
  const departmentIds = words.DEPARTMENTS.map((_, i) => i + 1);
  await insertRows(
    client,
    'departments',
    ['id', 'name', 'description'],
    words.DEPARTMENTS.map((name, i) => [i + 1, name, `${name} department`]),
  );

  const users: BenchUser[] = [];
  const staffIds: number[] = [];
  for (let id = 1; id <= BENCH_USERS; id++) {
    const role =
      id === 1
        ? 'admin'
        : weighted(random, [
            ['manager', 10],
            ['agent', 60],
            ['viewer', 30],
          ] as const);
    if (role !== 'viewer') staffIds.push(id);
    const first = pick(random, words.FIRST_NAMES);
    const last = pick(random, words.LAST_NAMES);
    const joined = new Date(now - SPAN_DAYS * DAY - Math.floor(random() * 365) * DAY);
    users.push({
      id,
      username: `bench${id}`,
      email: `bench${id}@bench.opsdesk.test`,
      passwordHash,
      firstName: first,
      lastName: last,
      role,
      departmentId: departmentIds[(id - 1) % departmentIds.length],
      isActive: true,
      isStaff: id === 1,
      isSuperuser: id === 1,
      dateJoined: joined,
      phone: `+44 20 7946 ${String(id).padStart(4, '0')}`,
      position: pick(random, words.POSITIONS),
      startDate: joined.toISOString().slice(0, 10),
    });
  }
  await insertUsers(client, users);

  await insertRows(
    client,
    'locations',
    ['id', 'name', 'address', 'time_zone'],
    words.LOCATIONS.map((location, i) => [i + 1, location.name, location.address, location.timeZone]),
  );
  const facilities: unknown[][] = [];
  const facilityNames: string[] = [];
  words.LOCATIONS.forEach((location, l) => {
    for (const kind of words.FACILITY_KINDS) {
      const name = `${location.name} ${kind}`;
      facilityNames.push(name);
      facilities.push([facilities.length + 1, name, `${kind} at ${location.name}`, l + 1]);
    }
  });
  await insertRows(client, 'facilities', ['id', 'name', 'description', 'location_id'], facilities);

  await insertRows(
    client,
    'incident_types',
    ['id', 'name', 'description', 'severity_level'],
    words.INCIDENT_TYPES.map((type, i) => [i + 1, type.name, `${type.name} incidents`, type.severity]),
  );

  const categories: unknown[][] = [];
  const categoryChildren = new Map<number, number[]>();
  words.CATEGORIES.forEach((category, i) => categories.push([i + 1, category.name, null]));
  words.CATEGORIES.forEach((category, i) => {
    const children: number[] = [];
    for (const child of category.children) {
      const id = categories.length + 1;
      children.push(id);
      categories.push([id, child, i + 1]);
    }
    categoryChildren.set(i + 1, children);
  });
  await insertRows(client, 'ticket_categories', ['id', 'name', 'parent_id'], categories);

  return {
    userIds: users.map((user) => user.id),
    staffIds,
    departmentIds,
    facilityIds: facilityNames.map((_, i) => i + 1),
    facilityNames,
    incidentTypeIds: words.INCIDENT_TYPES.map((_, i) => i + 1),
    categoryChildren,
  };
}

// ---------------------------------------------------------------------------
// Tickets and comments as COPY text (tab-separated, \N for null). No generated
// value holds a tab, newline or backslash, so nothing needs escaping.

const TICKET_COLUMNS = [
  'id',
  'kind',
  'number',
  'title',
  'description',
  'status',
  'priority',
  'incident_type_id',
  'category_id',
  'subcategory_id',
  'service_type',
  'department_id',
  'facility_id',
  'reporter_id',
  'assignee_id',
  'due_date',
  'resolved_at',
  'completed_at',
  'closed_at',
  'version',
  'created_at',
  'updated_at',
];

const COMMENT_COLUMNS = [
  'id',
  'ticket_id',
  'author_id',
  'body',
  'internal',
  'version',
  'created_at',
  'updated_at',
];

const N = '\\N';
const ROWS_PER_CHUNK = 2000;

/** Ticket `i` (1-based) of `total`: created in id order over the last 24 months. */
const createdAtOf = (i: number, total: number, start: number) =>
  Math.floor(start + ((i - 1 + hashUnit(i, 11)) * SPAN_DAYS * DAY) / total);

interface Counters {
  incident: number;
  service: number;
}

function ticketTitle(
  random: () => number,
  kind: 'incident' | 'service',
  place: string,
  network: boolean,
  rare: boolean,
): string {
  const component = network ? pick(random, words.NETWORK_COMPONENTS) : pick(random, words.COMPONENTS);
  const subject = rare ? `${words.RARE_WORD} rig ${component}` : component;
  if (kind === 'service') return `${pick(random, words.SERVICE_ACTIONS)} ${subject} in ${place}`;
  const problem = pick(random, words.PROBLEMS);
  return random() < 0.5 ? `${capitalise(subject)} ${problem} in ${place}` : `${place}: ${subject} ${problem}`;
}

function ticketDescription(random: () => number, network: boolean): string {
  const parts = [pick(random, words.OPENINGS), pick(random, words.DETAILS)];
  if (network) parts.push(pick(random, words.NETWORK_DETAILS));
  else if (random() < 0.5) parts.push(pick(random, words.DETAILS));
  const closing = pick(random, words.CLOSINGS);
  if (closing) parts.push(closing);
  return parts.join(' ');
}

function* ticketChunks(
  total: number,
  start: number,
  now: number,
  ref: Reference,
  counters: Counters,
): Generator<string> {
  const random = mulberry32(42);
  const iso = (ms: number) => new Date(ms).toISOString();
  let lines: string[] = [];
  for (let i = 1; i <= total; i++) {
    const kind = random() < 0.7 ? 'incident' : 'service';
    const number = ++counters[kind];
    const created = createdAtOf(i, total, start);
    const ageDays = (now - created) / DAY;
    const active = random() < (ageDays < 7 ? 0.7 : ageDays < 30 ? 0.3 : 0.04);
    const network = random() < 0.2;
    const rare = random() < 0.0001;
    const facility = random() < 0.9 ? pick(random, ref.facilityIds) : null;
    const place = facility === null ? 'the building' : (ref.facilityNames[facility - 1] as string);
    const title = ticketTitle(random, kind, place, network, rare);
    const description = ticketDescription(random, network);
    const priority = weighted(random, [
      ['low', 25],
      ['medium', 45],
      ['high', 22],
      ['critical', 8],
    ] as const);

    let status: string;
    let resolved: number | null = null;
    let completed: number | null = null;
    let closed: number | null = null;
    let updated = Math.min(now, created + Math.floor(random() * 2 * HOUR));
    if (active) {
      status = random() < 0.6 ? 'open' : 'in_progress';
    } else {
      const done = Math.min(now, created + HOUR + Math.floor(random() * 5 * DAY));
      if (kind === 'incident') {
        status = random() < 0.75 ? 'closed' : 'resolved';
        resolved = done;
        if (status === 'closed') closed = Math.min(now, done + Math.floor(random() * 3 * DAY));
      } else {
        status = random() < 0.85 ? 'completed' : 'cancelled';
        if (status === 'completed') completed = done;
        else closed = done;
      }
      updated = Math.max(updated, resolved ?? 0, completed ?? 0, closed ?? 0);
    }
    const assigned = random() < (status === 'open' ? 0.5 : 0.9);
    const category = random() < 0.8 ? 1 + Math.floor(random() * words.CATEGORIES.length) : null;
    const subcategory =
      category !== null && random() < 0.7 ? pick(random, ref.categoryChildren.get(category) ?? []) : null;
    const due = random() < 0.3 ? iso(created + (1 + Math.floor(random() * 14)) * DAY).slice(0, 10) : null;

    lines.push(
      [
        i,
        kind,
        number,
        capitalise(title),
        description,
        status,
        priority,
        kind === 'incident' ? pick(random, ref.incidentTypeIds) : N,
        category ?? N,
        subcategory ?? N,
        kind === 'service' ? pick(random, words.SERVICE_TYPES) : N,
        pick(random, ref.departmentIds),
        facility ?? N,
        pick(random, ref.userIds),
        assigned ? pick(random, ref.staffIds) : N,
        due ?? N,
        resolved === null ? N : iso(resolved),
        completed === null ? N : iso(completed),
        closed === null ? N : iso(closed),
        1 + Math.floor(random() * 4) + (active ? 0 : 2),
        iso(created),
        iso(updated),
      ].join('\t'),
    );
    if (lines.length === ROWS_PER_CHUNK) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

const COMMENTS_PER_TICKET = [
  [0, 25],
  [1, 30],
  [2, 25],
  [3, 12],
  [4, 5],
  [5, 3],
] as const;

function* commentChunks(
  total: number,
  start: number,
  now: number,
  ref: Reference,
  stats: { comments: number },
): Generator<string> {
  const random = mulberry32(1337);
  const iso = (ms: number) => new Date(ms).toISOString();
  let id = 0;
  let lines: string[] = [];
  for (let ticket = 1; ticket <= total; ticket++) {
    const count = weighted(random, COMMENTS_PER_TICKET);
    if (count === 0) continue;
    let at = createdAtOf(ticket, total, start);
    for (let c = 0; c < count; c++) {
      at = Math.min(now, at + Math.floor(random() * 2 * DAY) + 60_000);
      const edited = random() < 0.1;
      lines.push(
        [
          ++id,
          ticket,
          pick(random, ref.userIds),
          pick(random, words.COMMENTS),
          random() < 0.2 ? 't' : 'f',
          edited ? 2 : 1,
          iso(at),
          iso(edited ? Math.min(now, at + HOUR) : at),
        ].join('\t'),
      );
      if (lines.length === ROWS_PER_CHUNK) {
        yield `${lines.join('\n')}\n`;
        lines = [];
      }
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
  stats.comments = id;
}

/** TRUNCATE + COPY ... FREEZE in one transaction on its own connection. */
export async function copyInto(
  pool: pg.Pool,
  table: string,
  columns: string[],
  chunks: Iterable<string> | AsyncIterable<string | Buffer>,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`TRUNCATE ${table}`);
    const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FREEZE)`));
    await pipeline(Readable.from(chunks), stream);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------------------
// Indexes and foreign keys: dropped for the load, rebuilt after. Their definitions
// are kept in `bench_dropped_ddl` until rebuilt, so an interrupted load is repaired
// by the next run instead of leaving the tables without indexes.

const LOADED_TABLES = ['tickets', 'ticket_comments'];

export async function saveAndDropSecondaryObjects(
  client: pg.ClientBase,
  tables: readonly string[] = LOADED_TABLES,
): Promise<void> {
  await client.query(
    'CREATE TABLE IF NOT EXISTS bench_dropped_ddl (name text PRIMARY KEY, kind text NOT NULL, tbl text NOT NULL, ddl text NOT NULL)',
  );
  const { rows: foreignKeys } = await client.query<{ name: string; tbl: string; ddl: string }>(
    `SELECT c.conname AS name, c.conrelid::regclass::text AS tbl,
            format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS ddl
       FROM pg_constraint c
      WHERE c.contype = 'f'
        AND (c.conrelid = ANY($1::regclass[]) OR c.confrelid = ANY($1::regclass[]))`,
    [tables],
  );
  // Indexes that back no constraint (primary keys stay: the foreign keys need them).
  const { rows: indexes } = await client.query<{ name: string; tbl: string; ddl: string }>(
    `SELECT i.indexname AS name, i.tablename AS tbl, i.indexdef AS ddl
       FROM pg_indexes i
      WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)`,
    [tables],
  );
  for (const [kind, objects] of [
    ['fk', foreignKeys],
    ['index', indexes],
  ] as const) {
    for (const object of objects) {
      await client.query(
        'INSERT INTO bench_dropped_ddl (name, kind, tbl, ddl) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
        [object.name, kind, object.tbl, object.ddl],
      );
    }
  }
  for (const fk of foreignKeys) await client.query(`ALTER TABLE ${fk.tbl} DROP CONSTRAINT "${fk.name}"`);
  for (const index of indexes) await client.query(`DROP INDEX "${index.name}"`);
}

export async function tuneSession(client: pg.ClientBase): Promise<void> {
  await client.query("SET maintenance_work_mem = '1GB'");
  await client.query('SET max_parallel_maintenance_workers = 0');
  await client.query('SET synchronous_commit = off');
  await client.query('SET statement_timeout = 0');
}

/** Rebuilds what `saveAndDropSecondaryObjects` dropped: indexes two at a time, biggest first, then foreign keys. */
export async function rebuildSecondaryObjects(pool: pg.Pool, log: (line: string) => void): Promise<void> {
  const { rows } = await pool.query<{ name: string; kind: string; tbl: string; ddl: string }>(
    'SELECT name, kind, tbl, ddl FROM bench_dropped_ddl ORDER BY kind DESC, name',
  );
  const indexes = rows.filter((row) => row.kind === 'index');
  // GIN indexes first: they take longest, and the btrees fill in around them.
  indexes.sort((a, b) => Number(b.ddl.includes('USING gin')) - Number(a.ddl.includes('USING gin')));
  const queue = [...indexes];
  const worker = async () => {
    const client = await pool.connect();
    try {
      await tuneSession(client);
      for (let next = queue.shift(); next; next = queue.shift()) {
        const started = performance.now();
        await client.query(next.ddl.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '));
        await client.query('DELETE FROM bench_dropped_ddl WHERE name = $1', [next.name]);
        log(`  index ${next.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      }
    } finally {
      client.release();
    }
  };
  await Promise.all([worker(), worker()]);
  const client = await pool.connect();
  try {
    await tuneSession(client);
    for (const fk of rows.filter((row) => row.kind === 'fk')) {
      const started = performance.now();
      const { rowCount } = await client.query(
        'SELECT 1 FROM pg_constraint WHERE conname = $1 AND conrelid = $2::regclass',
        [fk.name, fk.tbl],
      );
      if (!rowCount) await client.query(fk.ddl);
      await client.query('DELETE FROM bench_dropped_ddl WHERE name = $1', [fk.name]);
      log(`  foreign key ${fk.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------------------

/** Creates the bench database through the `postgres` database when it does not exist. */
/**
 * After a bulk load: ticket numbers and the `id` sequences of `tables` continue after
 * the rows loaded, so the API's next create takes the next number and id.
 */
export async function continueSequences(
  pool: pg.Pool,
  lastNumbers: { incident: number; service: number },
  tables: readonly string[],
): Promise<void> {
  await pool.query(
    "SELECT setval('ticket_numbers_incident', $1::bigint + 1, false), setval('ticket_numbers_service', $2::bigint + 1, false)",
    [lastNumbers.incident, lastNumbers.service],
  );
  for (const table of tables) {
    await pool.query(
      `SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`,
      [table],
    );
  }
}

export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^\w+$/.test(name)) throw new Error(`Bench database name must be a plain identifier, got "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

async function ticketCount(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM tickets');
  return Number(rows[0]?.n ?? 0);
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  await ensureDatabase(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: 4,
    application_name: 'opsdesk-bench-generate',
  });
  pool.on('error', () => undefined);
  try {
    await runMigrations(pool);
    const { rows: leftovers } = await pool.query<{ n: number }>(
      "SELECT CASE WHEN to_regclass('bench_dropped_ddl') IS NULL THEN 0 ELSE 1 END AS n",
    );
    // Indexes still waiting to be rebuilt: an earlier load was interrupted, so load again.
    const pending = leftovers[0]?.n
      ? ((await pool.query('SELECT 1 FROM bench_dropped_ddl')).rowCount ?? 0)
      : 0;
    const existing = await ticketCount(pool);
    if (!options.force && !pending && existing >= options.tickets) {
      log(
        `Bench data present: ${existing.toLocaleString('en')} tickets (BENCH_TICKETS=${options.tickets}); reusing it.`,
      );
      return { generated: false, tickets: existing, comments: 0, seconds: 0 };
    }

    log(
      `Generating ${options.tickets.toLocaleString('en')} tickets into ${new URL(options.url).pathname.slice(1)} ...`,
    );
    const started = performance.now();
    const lap = (() => {
      let last = started;
      return (label: string) => {
        const t = performance.now();
        log(`  ${label}: ${((t - last) / 1000).toFixed(1)} s`);
        last = t;
      };
    })();
    const passwordHash = await hashPassword(BENCH_PASSWORD);
    const now = Date.now();
    const start = now - SPAN_DAYS * DAY;

    const client = await pool.connect();
    let ref: Reference;
    try {
      await tuneSession(client);
      await client.query('BEGIN');
      await saveAndDropSecondaryObjects(client);
      await client.query(
        `TRUNCATE tickets, ticket_comments, ticket_attachments, ticket_watchers, ticket_categories,
                  incident_types, facilities, locations, sessions, api_tokens, profiles, users, departments,
                  idempotency_keys RESTART IDENTITY CASCADE`,
      );
      ref = await loadReference(client, passwordHash, now);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    lap('reference data and drop of secondary indexes');

    const counters: Counters = { incident: 0, service: 0 };
    const stats = { comments: 0 };
    await Promise.all([
      copyInto(pool, 'tickets', TICKET_COLUMNS, ticketChunks(options.tickets, start, now, ref, counters)),
      copyInto(
        pool,
        'ticket_comments',
        COMMENT_COLUMNS,
        commentChunks(options.tickets, start, now, ref, stats),
      ),
    ]);
    const copySeconds = (performance.now() - started) / 1000;
    lap(
      `COPY ${options.tickets.toLocaleString('en')} tickets + ${stats.comments.toLocaleString('en')} comments`,
    );

    await rebuildSecondaryObjects(pool, log);
    lap('indexes and foreign keys');

    await continueSequences(pool, counters, [
      'departments',
      'users',
      'profiles',
      'locations',
      'facilities',
      'incident_types',
      'ticket_categories',
      'tickets',
      'ticket_comments',
    ]);
    await Promise.all(
      ['tickets', 'ticket_comments'].map(async (table) => {
        const vacuum = await pool.connect();
        try {
          await tuneSession(vacuum);
          await vacuum.query(`VACUUM ANALYZE ${table}`);
        } finally {
          vacuum.release();
        }
      }),
    );
    await pool.query(
      'VACUUM ANALYZE departments, users, profiles, locations, facilities, incident_types, ticket_categories',
    );
    lap('VACUUM ANALYZE');

    const seconds = (performance.now() - started) / 1000;
    const rows = options.tickets + stats.comments;
    log(
      `Loaded ${options.tickets.toLocaleString('en')} tickets and ${stats.comments.toLocaleString('en')} comments in ${seconds.toFixed(1)} s ` +
        `(${Math.round(rows / seconds).toLocaleString('en')} rows/s overall, ${Math.round(rows / copySeconds).toLocaleString('en')} rows/s through COPY).`,
    );
    return { generated: true, tickets: options.tickets, comments: stats.comments, seconds };
  } finally {
    await pool.end();
  }
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): { url: string; tickets: number } {
  const tickets = Number(env.BENCH_TICKETS ?? 1_000_000);
  if (!Number.isInteger(tickets) || tickets < 1000)
    throw new Error('BENCH_TICKETS must be a whole number of at least 1000');
  const url = env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_DATABASE_URL;
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    throw new Error(`BENCH_DATABASE_URL must point at this machine, got host "${host}"`);
  return { url, tickets };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, tickets } = benchSettings();
  generate({ url, tickets, force: process.argv.includes('--force') }).catch((error: unknown) => {
    process.stderr.write(
      `bench/generate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
