import path from 'node:path';
import { bool, expect, int, url, type Setting } from './parsers.ts';

/** PostgreSQL: where it is, how Opsdesk connects, migrates and seeds it, and the data directory of the embedded one. */
export const databaseSettings = {
  databaseUrl: {
    env: 'DATABASE_URL',
    description:
      'PostgreSQL connection string. Unset: Opsdesk runs its own embedded PostgreSQL in DATA_DIR/postgres.',
    parse: url('postgres:', 'postgresql:'),
    secret: true,
  },
  migrationDatabaseUrl: {
    env: 'MIGRATION_DATABASE_URL',
    description:
      'Schema owner for migrations; DATABASE_URL can then be a role without DDL rights (docs/deploy.md).',
    parse: url('postgres:', 'postgresql:'),
    secret: true,
  },
  databaseAppRole: {
    env: 'DATABASE_APP_ROLE',
    description:
      "Role granted row access by migrations. Unset: DATABASE_URL's user if MIGRATION_DATABASE_URL is set.",
    parse: (raw) => (/^[a-z_][a-z0-9_$]*$/i.test(raw) ? raw : expect('a PostgreSQL role name')),
  },
  databasePoolMax: {
    env: 'DATABASE_POOL_MAX',
    description: 'Connections in the pool of each process.',
    parse: int(1, 500),
    default: '10',
  },
  statementTimeoutMs: {
    env: 'DATABASE_STATEMENT_TIMEOUT_MS',
    description: 'Longest a single SQL statement may run before PostgreSQL cancels it.',
    parse: int(100, 3_600_000),
    default: '15000',
  },
  databaseConnectTimeoutMs: {
    env: 'DATABASE_CONNECT_TIMEOUT_MS',
    description:
      'Longest a request waits for a database connection (pool or new); past it, 503 with Retry-After.',
    parse: int(100, 600_000),
    default: '3000',
  },
  databaseQueryTimeoutMs: {
    env: 'DATABASE_QUERY_TIMEOUT_MS',
    description:
      'Longest Opsdesk waits for a statement to answer when the database is unreachable (503 past it). Unset: DATABASE_STATEMENT_TIMEOUT_MS + 1000.',
    parse: int(100, 3_600_000),
  },
  databasePreparedStatements: {
    env: 'DATABASE_PREPARED_STATEMENTS',
    description:
      'Run parameterised queries as named prepared statements (planned once per connection). Set false behind a transaction-pooling PgBouncer.',
    parse: bool,
    default: 'true',
  },
  autoMigrate: {
    env: 'AUTO_MIGRATE',
    description: 'Apply pending migrations at server start (under an advisory lock).',
    parse: bool,
    default: 'true',
  },
  seedDemo: {
    env: 'SEED_DEMO',
    description: 'Seed the demo organisation at start when the database has no users.',
    parse: bool,
    defaultFor: (mode) => (mode === 'development' ? 'true' : 'false'),
  },
  dataDir: {
    env: 'DATA_DIR',
    description: 'Where the embedded PostgreSQL and local files live.',
    parse: (raw) => path.resolve(raw),
    default: './.data',
  },
} satisfies Record<string, Setting<unknown>>;
