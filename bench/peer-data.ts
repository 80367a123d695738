/**
 * Gives Opsdesk the DRF peer's data set, row for row: the peer seeds its own database
 * (`seed_data/seed.sh`), and this copies those rows into an Opsdesk database on the
 * same cluster, mapped to Opsdesk's schema. Tickets go through COPY on both ends
 * (`COPY (SELECT ...) TO STDOUT` into `COPY ... FROM STDIN WITH (FREEZE)`), with the
 * secondary indexes dropped and rebuilt as in bench/generate.ts.
 *
 * Ids are kept, so `/api/incident-tickets/<id>/` is the same ticket on both sides:
 * incident tickets keep theirs, service tickets follow them (peer id + incident count).
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { hashPassword } from '../src/platform/auth/passwords.ts';
import { runMigrations } from '../src/platform/db/migrate.ts';
import {
  continueSequences,
  copyInto,
  ensureDatabase,
  rebuildSecondaryObjects,
  saveAndDropSecondaryObjects,
  tuneSession,
} from './generate.ts';
import { insertRows, insertUsers } from './lib/rows.ts';

export interface PeerDataCounts {
  incidents: number;
  services: number;
}

export interface CopyPeerDataOptions {
  /** The peer's database (read only). */
  peerUrl: string;
  /** The Opsdesk database; created when missing. */
  opsdeskUrl: string;
  /** The password of every copied user (the peer's seed gives them all one). */
  password: string;
  log: (line: string) => void;
}

const TICKET_COLUMNS = [
  'id',
  'kind',
  'number',
  'title',
  'description',
  'status',
  'priority',
  'incident_type_id',
  'service_type',
  'facility_id',
  'reporter_id',
  'assignee_id',
  'due_date',
  'resolved_at',
  'completed_at',
  'closed_at',
  'created_at',
  'updated_at',
];

/** `In Progress` -> `in_progress`: the peer stores display labels, Opsdesk codes. */
const code = (column: string) => `lower(replace(${column}, ' ', '_'))`;

const incidentSelect = `
  SELECT id, 'incident', id, title, description, ${code('status')}, lower(priority), incident_type_id, NULL,
         facility_id, reporter_id, assignee_id, NULL, resolved_at, NULL,
         CASE WHEN status = 'Closed' THEN updated_at END, created_at, updated_at
    FROM api_incidentticket ORDER BY id`;

const serviceSelect = (offset: number) => `
  SELECT id + ${offset}, 'service', id, title, description, ${code('status')}, lower(priority), NULL, service_type,
         facility_id, requested_by_id, assignee_id, due_date, NULL, completed_at,
         CASE WHEN status = 'Cancelled' THEN updated_at END, created_at, updated_at
    FROM api_serviceticket ORDER BY id`;

async function countOf(client: pg.ClientBase | pg.Pool, sql: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

export async function peerCounts(peer: pg.ClientBase): Promise<PeerDataCounts> {
  return {
    incidents: await countOf(peer, 'SELECT count(*) AS n FROM api_incidentticket'),
    services: await countOf(peer, 'SELECT count(*) AS n FROM api_serviceticket'),
  };
}

/** The Opsdesk side already holds exactly the peer's tickets (ignoring rows a W4 run added after them). */
async function alreadyCopied(pool: pg.Pool, counts: PeerDataCounts): Promise<boolean> {
  const { rows } = await pool.query<{ incidents: string; services: string }>(
    `SELECT count(*) FILTER (WHERE kind = 'incident' AND id <= $1) AS incidents,
            count(*) FILTER (WHERE kind = 'service' AND id > $1 AND id <= $2) AS services
       FROM tickets`,
    [counts.incidents, counts.incidents + counts.services],
  );
  // Indexes still waiting to be rebuilt: an earlier load was interrupted.
  const interrupted = await countOf(pool, "SELECT count(to_regclass('bench_dropped_ddl')) AS n");
  const pending = interrupted ? await countOf(pool, 'SELECT count(*) AS n FROM bench_dropped_ddl') : 0;
  return (
    pending === 0 &&
    Number(rows[0]?.incidents) === counts.incidents &&
    Number(rows[0]?.services) === counts.services
  );
}

/** A peer user with its profile (null members where it has none). */
interface PeerUser {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  is_staff: boolean;
  is_superuser: boolean;
  is_active: boolean;
  date_joined: Date;
  phone: string | null;
  position: string | null;
  department: string | null;
  start_date: Date | null;
}

async function loadReference(
  peer: pg.ClientBase,
  target: pg.ClientBase,
  passwordHash: string,
): Promise<void> {
  const { rows: departments } = await peer.query<{ name: string }>(
    'SELECT DISTINCT department AS name FROM api_profile ORDER BY 1',
  );
  const departmentId = new Map(departments.map((row, i) => [row.name, i + 1]));
  await insertRows(
    target,
    'departments',
    ['id', 'name'],
    departments.map((row, i) => [i + 1, row.name]),
  );

  const { rows: users } = await peer.query<PeerUser>(
    `SELECT u.id, u.username, u.email, u.first_name, u.last_name, u.is_staff, u.is_superuser, u.is_active,
            u.date_joined, p.phone, p.position, p.department, p.start_date
       FROM auth_user u LEFT JOIN api_profile p ON p.user_id = u.id ORDER BY u.id`,
  );
  // The peer's superuser is Opsdesk's admin, its staff are managers, everyone else an agent.
  await insertUsers(
    target,
    users.map((u) => ({
      id: u.id,
      username: u.username,
      email: u.email,
      passwordHash,
      firstName: u.first_name,
      lastName: u.last_name,
      role: u.is_superuser ? 'admin' : u.is_staff ? 'manager' : 'agent',
      departmentId: (u.department === null ? undefined : departmentId.get(u.department)) ?? null,
      isActive: u.is_active,
      isStaff: u.is_staff,
      isSuperuser: u.is_superuser,
      dateJoined: u.date_joined,
      phone: u.phone,
      position: u.position,
      startDate: u.start_date,
    })),
  );

  const { rows: locations } = await peer.query<unknown[]>({
    text: "SELECT id, name, description, address || ', ' || city || ', ' || country, created_at FROM api_location ORDER BY id",
    rowMode: 'array',
  });
  await insertRows(target, 'locations', ['id', 'name', 'description', 'address', 'created_at'], locations);
  const { rows: facilities } = await peer.query<unknown[]>({
    text: 'SELECT id, name, description, location_id, lower(status), created_at FROM api_facility ORDER BY id',
    rowMode: 'array',
  });
  await insertRows(
    target,
    'facilities',
    ['id', 'name', 'description', 'location_id', 'status', 'created_at'],
    facilities,
  );
  const { rows: types } = await peer.query<unknown[]>({
    text: 'SELECT id, name, description, severity_level, created_at FROM api_incidenttype ORDER BY id',
    rowMode: 'array',
  });
  await insertRows(
    target,
    'incident_types',
    ['id', 'name', 'description', 'severity_level', 'created_at'],
    types,
  );
}

/** Streams both kinds from the peer into one COPY on Opsdesk. */
async function copyTickets(peerUrl: string, target: pg.Pool, incidents: number): Promise<void> {
  const peer = new pg.Client({ connectionString: peerUrl, application_name: 'opsdesk-bench-peer-copy' });
  await peer.connect();
  try {
    const select = `(${incidentSelect}) UNION ALL (${serviceSelect(incidents)})`;
    await copyInto(target, 'tickets', TICKET_COLUMNS, peer.query(copyTo(`COPY (${select}) TO STDOUT`)));
  } finally {
    await peer.end();
  }
}

/**
 * Copies the peer's data set into the Opsdesk database unless it is there already.
 * Returns the ticket counts, which the W4 reset needs (rows past them are W4's).
 */
export async function copyPeerData(options: CopyPeerDataOptions): Promise<PeerDataCounts> {
  const { log } = options;
  await ensureDatabase(options.opsdeskUrl);
  const peer = new pg.Client({ connectionString: options.peerUrl });
  await peer.connect();
  const pool = new pg.Pool({ connectionString: options.opsdeskUrl, max: 4 });
  pool.on('error', () => undefined);
  try {
    const counts = await peerCounts(peer);
    await runMigrations(pool);
    if (await alreadyCopied(pool, counts)) {
      log(`Opsdesk already holds the peer's ${counts.incidents} + ${counts.services} tickets; reusing them.`);
      return counts;
    }
    const started = performance.now();
    const passwordHash = await hashPassword(options.password);
    const client = await pool.connect();
    try {
      await tuneSession(client);
      await client.query('BEGIN');
      await saveAndDropSecondaryObjects(client);
      await client.query(
        `TRUNCATE tickets, ticket_comments, ticket_attachments, ticket_watchers, ticket_categories,
                  incident_types, facilities, locations, sessions, api_tokens, profiles, users, departments,
                  idempotency_keys RESTART IDENTITY CASCADE`,
      );
      await loadReference(peer, client, passwordHash);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    await copyTickets(options.peerUrl, pool, counts.incidents);
    log(
      `  COPY ${counts.incidents + counts.services} tickets: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    await rebuildSecondaryObjects(pool, log);
    const { rows } = await pool.query<{ incident: string; service: string }>(
      "SELECT max(number) FILTER (WHERE kind = 'incident') AS incident, max(number) FILTER (WHERE kind = 'service') AS service FROM tickets",
    );
    await continueSequences(
      pool,
      { incident: Number(rows[0]?.incident ?? 0), service: Number(rows[0]?.service ?? 0) },
      ['departments', 'users', 'profiles', 'locations', 'facilities', 'incident_types', 'tickets'],
    );
    await pool.query(
      'VACUUM ANALYZE departments, users, profiles, locations, facilities, incident_types, tickets',
    );
    log(`Copied the peer's data set into Opsdesk in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    return counts;
  } finally {
    await peer.end();
    await pool.end();
  }
}
