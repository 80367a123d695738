import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser } from 'fast-xml-parser';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';
import { systemContext, type RequestContext } from '../../platform/auth/actor.ts';
import { signDownload } from '../../platform/files/index.ts';
import type { Person } from '../identity/index.ts';
import type { TicketInput } from './tickets.service.ts';
import type { TicketKind } from './tickets.tables.ts';

/**
 * The tickets API over HTTP: the BMS v1 contract, v2 with ETags, search relevance,
 * numbering under concurrency, constant-query lists, object-level permissions (BOLA),
 * bulk changes, attachments with sniffing and signed links, exports, history and
 * reference data. Real PostgreSQL, real file storage in a temporary directory.
 */

// Response shapes, as far as the tests read them.
interface Ref {
  id: number;
  name: string;
}
interface PersonRef {
  id: number;
  username: string;
  full_name: string;
}
interface TicketV2 {
  id: number;
  number: string;
  kind: TicketKind;
  title: string;
  description: string;
  status: string;
  priority: string;
  incident_type: { id: number; name: string; severity_level: number } | null;
  category: Ref | null;
  subcategory: Ref | null;
  service_type: string | null;
  department: Ref | null;
  facility: Ref | null;
  reporter: PersonRef | null;
  assignee: PersonRef | null;
  due_date: string | null;
  resolved_at: string | null;
  completed_at: string | null;
  closed_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}
interface ProfileV1 {
  id: number;
  user: { id: number; username: string };
  full_name: string;
}
interface FacilityV1 {
  id: number;
  name: string;
  location: { id: number; name: string } | null;
}
interface TicketV1 {
  id: number;
  number: string;
  title: string;
  description: string;
  status: string;
  priority: string;
  assignee: ProfileV1 | null;
  facility: FacilityV1 | null;
  version: number;
  created_at: string;
  updated_at: string;
}
interface IncidentTicketV1 extends TicketV1 {
  incident_type: { id: number; name: string } | null;
  reporter: ProfileV1 | null;
  resolved_at: string | null;
}
interface ServiceTicketV1 extends TicketV1 {
  service_type: string | null;
  requested_by: ProfileV1 | null;
  due_date: string | null;
  completed_at: string | null;
}
interface V1Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}
interface V2Page<T> {
  data: T[];
  next_cursor: string | null;
  has_more: boolean;
}
interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
  allowed?: string[];
  from?: string;
  to?: string;
}
interface CommentV2 {
  id: number;
  body: string;
  internal: boolean;
  author: PersonRef | null;
}
interface AttachmentV2 {
  id: number;
  ticket_id: number;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploader_id: number;
}
interface HistoryEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}
interface BulkRow {
  id: number;
  ok: boolean;
  code?: string;
  detail?: string;
  ticket?: TicketV2;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SECRET = 'tickets-test-secret-key-0123456789-abcdefghij';
const MAX_BYTES = 2048;
const sys = systemContext('tickets-test');

// A real PNG: signature, IHDR (1x1 RGB), IDAT, IEND, CRCs and all.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A 1x1 PNG; `padding` bytes of a tEXt comment make it as large as a test needs. */
function png(padding = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const chunks = [pngChunk('IHDR', ihdr)];
  if (padding > 0)
    chunks.push(pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0'), Buffer.alloc(padding, 0x61)])));
  chunks.push(pngChunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))), pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}
const HTML_AS_PNG = Buffer.from('<html><script>alert(1)</script></html>');

/** A multipart/form-data body with one file in the field "file", built by hand. */
function multipart(filename: string, content: Buffer, contentType = 'image/png') {
  const boundary = `----opsdesk-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: ${contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    payload: Buffer.concat([head, content, tail]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The URL of an absolute `next` link, as inject() takes it. */
const relative = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

let t: TestApp;
let dataDir: string;

interface Member {
  person: Person;
  browser: Browser;
}
let admin: Member;
let agentOps: Member;
let agentEng: Member;
let managerOps: Member;
let managerEng: Member;
let viewerOps: Member;
let location: { id: number; name: string };
let facility: { id: number; name: string };
let incidentType: { id: number; name: string };

const ctxOf = (person: Person): RequestContext => ({
  actor: {
    userId: person.user.id,
    username: person.user.username,
    role: person.user.role,
    departmentId: person.user.departmentId,
    isStaff: person.user.isStaff,
    isSuperuser: person.user.isSuperuser,
    via: 'session',
  },
  requestId: `fixture-${randomUUID()}`,
  ip: '127.0.0.1',
  userAgent: undefined,
});

/** A ticket made through the service, as `by` (fixtures, where HTTP is not what is tested). */
const fixture = (by: Member, input: TicketInput & { title: string }, kind: TicketKind = 'incident') =>
  t.services.tickets.create(ctxOf(by.person), kind, input);

async function member(role: 'admin' | 'manager' | 'agent' | 'viewer', department?: string): Promise<Member> {
  const person = await t.user({ role, ...(department && { department }) });
  return { person, browser: await t.login(person) };
}

/** Audit rows per ticket id, straight from the database. */
async function auditRows(ids: number[]): Promise<Map<number, string[]>> {
  const { rows } = await t.database.pool.query<{ resource_id: string; action: string }>(
    "SELECT resource_id, action FROM audit_log WHERE resource_type = 'ticket' AND resource_id = ANY($1) ORDER BY id",
    [ids.map(String)],
  );
  const result = new Map<number, string[]>(ids.map((id) => [id, []]));
  for (const row of rows) result.get(Number(row.resource_id))?.push(row.action);
  return result;
}

/** Every file under DATA_DIR/files, temp files included. */
async function storedFiles(): Promise<string[]> {
  const root = path.join(dataDir, 'files');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Counts pool.query calls (drizzle's path to PostgreSQL outside transactions) while `run` runs. */
async function countQueries(run: () => Promise<void>): Promise<number> {
  const pool = t.database.pool;
  const original = pool.query.bind(pool);
  let calls = 0;
  const spy = ((...args: Parameters<typeof pool.query>) => {
    calls += 1;
    return (original as (...a: unknown[]) => unknown)(...args);
  }) as typeof pool.query;
  pool.query = spy;
  try {
    await run();
  } finally {
    delete (pool as { query?: unknown }).query;
  }
  expect(Object.prototype.hasOwnProperty.call(pool, 'query')).toBe(false);
  return calls;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'opsdesk-tickets-'));
  t = await createTestApp({
    SECRET_KEY: SECRET,
    ATTACHMENT_MAX_BYTES: String(MAX_BYTES),
    DATA_DIR: dataDir,
  });
  // One at a time: the first user of a department creates it.
  admin = await member('admin');
  agentOps = await member('agent', 'Ops');
  agentEng = await member('agent', 'Eng');
  managerOps = await member('manager', 'Ops');
  managerEng = await member('manager', 'Eng');
  viewerOps = await member('viewer', 'Ops');
  location = await t.services.sites.createLocation(sys, { name: 'Broadcast Centre' });
  facility = await t.services.sites.createFacility(sys, { name: 'Studio 1', locationId: location.id });
  incidentType = await t.services.ticketReference.createIncidentType(sys, {
    name: 'Transmitter fault',
    description: 'Loss of signal',
    severityLevel: 3,
  });
});

afterAll(async () => {
  await t.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('v1 contract (BMS frontend)', () => {
  it('creates an incident ticket in the contract shape, numbered INC-000001, reported by the caller', async () => {
    const response = await agentOps.browser.post('/api/incident-tickets/', {
      title: 'Transmitter down',
      description: 'No signal on channel 5',
      priority: 'High',
      incident_type: incidentType.id,
      facility_id: facility.id,
    });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json<IncidentTicketV1>();
    expect(Object.keys(created).sort()).toEqual(
      [
        'id',
        'number',
        'title',
        'description',
        'status',
        'priority',
        'incident_type',
        'reporter',
        'assignee',
        'facility',
        'requester_customer',
        'version',
        'created_at',
        'updated_at',
        'resolved_at',
      ].sort(),
    );
    expect(created).toMatchObject({
      number: 'INC-000001',
      title: 'Transmitter down',
      description: 'No signal on channel 5',
      status: 'Open',
      priority: 'High',
      assignee: null,
      resolved_at: null,
      version: 1,
    });
    expect(created.created_at).toMatch(ISO);
    expect(created.updated_at).toMatch(ISO);

    // Relations are embedded in full, exactly as their own endpoints answer them.
    const type = await admin.browser.get(`/api/incident-types/${incidentType.id}/`);
    expect(type.statusCode).toBe(200);
    expect(created.incident_type).toEqual(type.json());
    const profile = await admin.browser.get(`/api/profiles/${agentOps.person.profile.id}/`);
    expect(profile.statusCode).toBe(200);
    expect(created.reporter).toEqual(profile.json());
    expect(created.reporter?.user.id).toBe(agentOps.person.user.id);
    const facilityV1 = await admin.browser.get(`/api/facilities/${facility.id}/`);
    expect(created.facility).toEqual(facilityV1.json());
    expect(created.facility?.location).toMatchObject({ id: location.id, name: 'Broadcast Centre' });

    const get = await agentOps.browser.get(`/api/incident-tickets/${created.id}/`);
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual(created);
    // Also under /api/v1/.
    expect((await agentOps.browser.get(`/api/v1/incident-tickets/${created.id}/`)).json()).toEqual(created);
  });

  it('embeds the incident type as it is now, after the type was edited', async () => {
    const type = await t.services.ticketReference.createIncidentType(sys, { name: 'Audio fault' });
    const ticket = await fixture(agentOps, { title: 'Hum on line 3', incidentTypeId: type.id });
    const patch = await admin.browser.patch(`/api/incident-types/${type.id}/`, {
      description: 'Hum, hiss, dropouts',
      severity_level: 4,
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json()).toMatchObject({ version: 2, severity_level: 4 });
    const embedded = (await agentOps.browser.get(`/api/incident-tickets/${ticket.id}/`)).json<
      IncidentTicketV1 & { incident_type: unknown }
    >().incident_type;
    expect(embedded).toEqual(patch.json());
  });

  it('creates a service ticket: requested_by defaults to the caller, due_date kept, numbered SRV-000001', async () => {
    const response = await agentOps.browser.post('/api/service-tickets/', {
      title: 'Replace camera cable',
      service_type: 'Repair',
      priority: 'Low',
      due_date: '2031-07-01',
      facility: { id: facility.id, name: 'ignored' },
    });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json<ServiceTicketV1>();
    expect(created).toMatchObject({
      number: 'SRV-000001',
      title: 'Replace camera cable',
      service_type: 'Repair',
      status: 'Open',
      priority: 'Low',
      due_date: '2031-07-01',
      completed_at: null,
      facility: { id: facility.id },
    });
    expect(created).not.toHaveProperty('reporter');
    expect(created).not.toHaveProperty('incident_type');
    expect(created.requested_by?.user.id).toBe(agentOps.person.user.id);
    expect(created.requested_by).toEqual(
      (await admin.browser.get(`/api/profiles/${agentOps.person.profile.id}/`)).json(),
    );
  });

  it('PATCH In Progress then Resolved: resolved_at is set by the server, a sent one is ignored', async () => {
    const created = (
      await agentOps.browser.post('/api/incident-tickets/', {
        title: 'Encoder reboot loop',
        priority: 'Medium',
      })
    ).json<IncidentTicketV1>();
    const before = Date.now();
    const progress = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      status: 'In Progress',
    });
    expect(progress.statusCode, progress.body).toBe(200);
    expect(progress.json()).toMatchObject({ status: 'In Progress', resolved_at: null, version: 2 });

    // A client-sent resolved_at alone changes nothing.
    const forged = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      resolved_at: '2001-01-01T00:00:00Z',
    });
    expect(forged.statusCode).toBe(200);
    expect(forged.json<IncidentTicketV1>().resolved_at).toBeNull();

    const resolved = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      status: 'Resolved',
      resolved_at: '2001-01-01T00:00:00Z',
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    const body = resolved.json<IncidentTicketV1>();
    expect(body.status).toBe('Resolved');
    expect(body.resolved_at).toMatch(ISO);
    const stamped = Date.parse(body.resolved_at ?? '');
    expect(stamped).toBeGreaterThanOrEqual(before - 2000);
    expect(stamped).toBeLessThanOrEqual(Date.now() + 2000);

    // Reopening clears it again.
    const reopened = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      status: 'in_progress',
    });
    expect(reopened.json()).toMatchObject({ status: 'In Progress', resolved_at: null });
  });

  it('service tickets: Completed stamps completed_at server-side', async () => {
    const created = (
      await agentOps.browser.post('/api/service-tickets/', {
        title: 'Rig lights',
        completed_at: '2001-01-01',
      })
    ).json<ServiceTicketV1>();
    expect(created.completed_at).toBeNull();
    expect(
      (await agentOps.browser.patch(`/api/service-tickets/${created.id}/`, { status: 'In Progress' }))
        .statusCode,
    ).toBe(200);
    const done = await agentOps.browser.patch(`/api/service-tickets/${created.id}/`, { status: 'Completed' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json<ServiceTicketV1>().status).toBe('Completed');
    expect(done.json<ServiceTicketV1>().completed_at).toMatch(ISO);
    expect(Date.now() - Date.parse(done.json<ServiceTicketV1>().completed_at ?? '')).toBeLessThan(60_000);
  });

  it('an illegal transition is a 409 listing the allowed statuses, and changes nothing', async () => {
    const created = (
      await agentOps.browser.post('/api/incident-tickets/', { title: 'Closed for good' })
    ).json<IncidentTicketV1>();
    const closed = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, { status: 'Closed' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'Closed', version: 2 });

    const reopen = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      status: 'Open',
      title: 'Sneaky rename',
    });
    expect(reopen.statusCode).toBe(409);
    expect(reopen.json()).toMatchObject({
      code: 'TICKET_INVALID_TRANSITION',
      from: 'closed',
      to: 'open',
      allowed: [],
    });
    expect(reopen.json<{ detail: string }>().detail).toMatch(/final/);
    expect((await agentOps.browser.get(`/api/incident-tickets/${created.id}/`)).json()).toMatchObject({
      status: 'Closed',
      title: 'Closed for good',
      version: 2,
    });

    // A status of the other kind is no move at all for a service ticket.
    const service = await fixture(agentOps, { title: 'Service, not incident' }, 'service');
    const wrongKind = await agentOps.browser.patch(`/api/service-tickets/${service.id}/`, {
      status: 'Resolved',
    });
    expect(wrongKind.statusCode).toBe(409);
    expect(wrongKind.json<Problem>().allowed?.sort()).toEqual(['cancelled', 'completed', 'in_progress']);
    expect(wrongKind.json<{ detail: string }>().detail).toMatch(/has no status "resolved"/);
  });

  it('a status the lifecycle reaches in several moves is reached move by move, each in the history', async () => {
    const resolved = await fixture(agentOps, { title: 'Resolved one' });
    await t.services.tickets.update(ctxOf(agentOps.person), resolved.id, { status: 'resolved' });
    const back = await agentOps.browser.patch(`/api/incident-tickets/${resolved.id}/`, { status: 'Open' });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toMatchObject({ status: 'Open', resolved_at: null });
    const moves = (await agentOps.browser.get(`/api/v2/tickets/${resolved.id}/history`))
      .json<HistoryEntry[]>()
      .filter((entry) => entry.action === 'ticket.status_changed')
      .map((entry) => entry.changes.status);
    expect(moves).toEqual([
      { from: 'open', to: 'resolved' },
      { from: 'resolved', to: 'in_progress' },
      { from: 'in_progress', to: 'open' },
    ]);

    const service = await fixture(agentOps, { title: 'Done on the spot' }, 'service');
    const done = await agentOps.browser.patch(`/api/service-tickets/${service.id}/`, { status: 'Completed' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json<ServiceTicketV1>().completed_at).toMatch(ISO);
  });

  it('a stale version is a 409 carrying the current ticket with its relations embedded', async () => {
    const created = await fixture(agentOps, { title: 'Two editors', facilityId: facility.id });
    const first = await agentOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      description: 'first',
      version: 1,
    });
    expect(first.statusCode).toBe(200);
    const stale = await managerOps.browser.patch(`/api/incident-tickets/${created.id}/`, {
      description: 'lost',
      version: 1,
    });
    expect(stale.statusCode).toBe(409);
    const body = stale.json<{ code: string; current: IncidentTicketV1 }>();
    expect(body.code).toBe('VERSION_CONFLICT');
    expect(body.current).toEqual(first.json());
    expect(body.current.reporter?.user.id).toBe(agentOps.person.user.id);
    expect(body.current.facility?.location?.id).toBe(location.id);
  });

  it('the incident endpoints 404 for a service ticket id, and the service endpoints for an incident', async () => {
    const service = await fixture(agentOps, { title: 'Only a service' }, 'service');
    const incident = await fixture(agentOps, { title: 'Only an incident' });
    for (const [url, id] of [
      ['/api/incident-tickets/', service.id],
      ['/api/service-tickets/', incident.id],
    ] as const) {
      const get = await managerOps.browser.get(`${url}${id}/`);
      expect(get.statusCode).toBe(404);
      expect(get.json()).toMatchObject({ detail: 'Not found.', code: 'TICKET_NOT_FOUND' });
      expect((await managerOps.browser.patch(`${url}${id}/`, { title: 'Wrong door' })).statusCode).toBe(404);
      expect((await managerOps.browser.delete(`${url}${id}/`)).statusCode).toBe(404);
    }
    expect((await managerOps.browser.get(`/api/service-tickets/${service.id}/`)).json()).toMatchObject({
      title: 'Only a service',
    });
    expect((await managerOps.browser.get(`/api/incident-tickets/${incident.id}/`)).json()).toMatchObject({
      title: 'Only an incident',
    });
  });

  it('lists filter by status and priority labels, search, order and page', async () => {
    const alpha = await fixture(agentOps, { title: 'Alpha feed lost', priority: 'high' });
    const bravo = await fixture(agentOps, { title: 'Bravo audio hum', priority: 'low' });
    const charlie = await fixture(agentOps, { title: 'Charlie multiplexer crash', priority: 'high' });
    await t.services.tickets.update(ctxOf(agentOps.person), charlie.id, { status: 'in_progress' });
    const list = async (query: string) => {
      const response = await agentOps.browser.get(`/api/incident-tickets/?page_size=100&${query}`);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<V1Page<IncidentTicketV1>>();
    };
    const idsOf = (page: V1Page<IncidentTicketV1>) => page.results.map((row) => row.id);

    const open = await list('status=Open');
    expect(open.results.every((row) => row.status === 'Open')).toBe(true);
    expect(idsOf(open)).toEqual(expect.arrayContaining([alpha.id, bravo.id]));
    expect(idsOf(open)).not.toContain(charlie.id);

    const inProgress = await list('status=In%20Progress');
    expect(inProgress.results.every((row) => row.status === 'In Progress')).toBe(true);
    expect(idsOf(inProgress)).toContain(charlie.id);
    expect((await list('status=in_progress')).count).toBe(inProgress.count);

    const high = await list('priority=High');
    expect(high.results.every((row) => row.priority === 'High')).toBe(true);
    expect(idsOf(high)).toEqual(expect.arrayContaining([alpha.id, charlie.id]));
    expect(idsOf(high)).not.toContain(bravo.id);

    const both = await list('status=Open&priority=High');
    expect(idsOf(both)).toContain(alpha.id);
    expect(idsOf(both)).not.toContain(charlie.id);
    expect(idsOf(both)).not.toContain(bravo.id);

    const bogus = await agentOps.browser.get('/api/incident-tickets/?status=Bogus');
    expect(bogus.statusCode).toBe(400);
    expect(Object.keys(bogus.json<Record<string, string[]>>())).toEqual(['status']);

    const search = await list('search=multiplexer');
    expect(idsOf(search)).toEqual([charlie.id]);
    expect((await agentOps.browser.get('/api/service-tickets/?search=multiplexer')).json()).toMatchObject({
      count: 0,
    });

    const byTitle = idsOf(await list('ordering=title'));
    expect(byTitle.indexOf(alpha.id)).toBeLessThan(byTitle.indexOf(bravo.id));
    expect(byTitle.indexOf(bravo.id)).toBeLessThan(byTitle.indexOf(charlie.id));
    const byTitleDesc = idsOf(await list('ordering=-title'));
    expect(byTitleDesc.indexOf(charlie.id)).toBeLessThan(byTitleDesc.indexOf(bravo.id));
    expect(byTitleDesc.indexOf(bravo.id)).toBeLessThan(byTitleDesc.indexOf(alpha.id));
    const newest = idsOf(await list('ordering=-created_at'));
    expect(newest.indexOf(charlie.id)).toBeLessThan(newest.indexOf(alpha.id));

    const first = await agentOps.browser.get('/api/incident-tickets/?page_size=1&ordering=title');
    const page = first.json<V1Page<IncidentTicketV1>>();
    expect(page.results).toHaveLength(1);
    expect(page.count).toBe((await list('')).count);
    expect(page.next).not.toBeNull();
    const second = (await agentOps.browser.get(relative(page.next ?? ''))).json<V1Page<IncidentTicketV1>>();
    expect(second.results).toHaveLength(1);
    expect(second.results[0]?.id).not.toBe(page.results[0]?.id);
  });

  it('a viewer cannot report for someone else or forge fields; staff may report for others', async () => {
    const viewerCreate = await viewerOps.browser.post('/api/incident-tickets/', {
      title: 'Viewer report',
      reporter: agentEng.person.user.id,
      reporter_id: agentEng.person.user.id,
      resolved_at: '2001-01-01T00:00:00Z',
    });
    expect(viewerCreate.statusCode, viewerCreate.body).toBe(201);
    const ticket = viewerCreate.json<IncidentTicketV1>();
    expect(ticket.reporter?.user.id).toBe(viewerOps.person.user.id);
    expect(ticket.resolved_at).toBeNull();

    const viewerService = await viewerOps.browser.post('/api/service-tickets/', {
      title: 'Viewer request',
      requested_by: agentEng.person.user.id,
    });
    expect(viewerService.statusCode).toBe(201);
    expect(viewerService.json<ServiceTicketV1>().requested_by?.user.id).toBe(viewerOps.person.user.id);

    // A ticket cannot be born resolved.
    const bornResolved = await viewerOps.browser.post('/api/incident-tickets/', {
      title: 'Born resolved',
      status: 'Resolved',
    });
    expect(bornResolved.statusCode).toBe(400);
    expect(bornResolved.json()).toHaveProperty('status');

    // Changing the reporter afterwards is working the ticket: not for a viewer.
    const steal = await viewerOps.browser.patch(`/api/incident-tickets/${ticket.id}/`, {
      reporter: agentEng.person.user.id,
    });
    expect(steal.statusCode).toBe(403);
    expect((await viewerOps.browser.get(`/api/incident-tickets/${ticket.id}/`)).json()).toMatchObject({
      reporter: { user: { id: viewerOps.person.user.id } },
      version: 1,
    });

    const staff = await agentOps.browser.post('/api/incident-tickets/', {
      title: 'Reported on behalf',
      reporter_id: viewerOps.person.user.id,
    });
    expect(staff.statusCode).toBe(201);
    expect(staff.json<IncidentTicketV1>().reporter?.user.id).toBe(viewerOps.person.user.id);
  });
});

describe('v2 tickets', () => {
  it('POST answers 201 with ETag and Location; GET answers the same ETag; If-None-Match is 304', async () => {
    const response = await agentOps.browser.post('/api/v2/tickets', {
      kind: 'incident',
      title: 'Playout server alarm',
      priority: 'high',
      incident_type_id: incidentType.id,
      facility_id: facility.id,
    });
    expect(response.statusCode, response.body).toBe(201);
    const created = response.json<TicketV2>();
    expect(response.headers.etag).toBe('"1"');
    expect(response.headers.location).toBe(`/api/v2/tickets/${created.id}`);
    expect(created).toMatchObject({
      kind: 'incident',
      status: 'open',
      priority: 'high',
      incident_type: { id: incidentType.id, name: 'Transmitter fault', severity_level: 3 },
      facility: { id: facility.id, name: 'Studio 1' },
      department: { id: agentOps.person.user.departmentId, name: 'Ops' },
      reporter: { id: agentOps.person.user.id, username: agentOps.person.user.username },
      assignee: null,
      resolved_at: null,
      version: 1,
    });
    expect(created.number).toMatch(/^INC-\d{6}$/);

    const get = await agentOps.browser.get(String(response.headers.location));
    expect(get.statusCode).toBe(200);
    expect(get.headers.etag).toBe('"1"');
    expect(get.json()).toEqual(created);
    const cached = await agentOps.browser.get(`/api/v2/tickets/${created.id}`, { 'if-none-match': '"1"' });
    expect(cached.statusCode).toBe(304);
    const stale = await agentOps.browser.get(`/api/v2/tickets/${created.id}`, { 'if-none-match': '"9"' });
    expect(stale.statusCode).toBe(200);
  });

  it('PATCH needs If-Match: 428 without, 412 when stale, 200 and a new ETag when current', async () => {
    const created = await fixture(agentOps, { title: 'Lock me' });
    const url = `/api/v2/tickets/${created.id}`;
    const missing = await agentOps.browser.patch(url, { title: 'No header' });
    expect(missing.statusCode).toBe(428);
    expect(missing.json<Problem>().code).toBe('PRECONDITION_REQUIRED');
    const stale = await agentOps.browser.patch(url, { title: 'Stale' }, { 'if-match': '"7"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json<Problem & { current: TicketV2 }>().current).toMatchObject({
      title: 'Lock me',
      version: 1,
    });
    const ok = await agentOps.browser.patch(
      url,
      { title: 'Locked', status: 'in_progress' },
      { 'if-match': '"1"' },
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    expect(ok.json()).toMatchObject({ title: 'Locked', status: 'in_progress', version: 2 });
    const again = await agentOps.browser.patch(url, { title: 'Lost update' }, { 'if-match': '"1"' });
    expect(again.statusCode).toBe(412);
    expect((await agentOps.browser.get(url)).json()).toMatchObject({ title: 'Locked', version: 2 });
  });

  it('an illegal transition is a 409 problem listing the allowed statuses', async () => {
    const created = await fixture(agentOps, { title: 'v2 transition' }, 'service');
    const response = await agentOps.browser.patch(
      `/api/v2/tickets/${created.id}`,
      { status: 'completed' },
      { 'if-match': '"1"' },
    );
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      code: 'TICKET_INVALID_TRANSITION',
      from: 'open',
      to: 'completed',
    });
    expect(response.json<Problem>().allowed?.sort()).toEqual(['cancelled', 'in_progress']);
  });

  it('DELETE: not for agents (403); the department manager may, with If-Match', async () => {
    const created = await fixture(agentOps, { title: 'Delete me' });
    const url = `/api/v2/tickets/${created.id}`;
    expect((await agentOps.browser.delete(url, { 'if-match': '"1"' })).statusCode).toBe(403);
    expect((await managerOps.browser.delete(url)).statusCode).toBe(428);
    expect((await managerOps.browser.delete(url, { 'if-match': '"5"' })).statusCode).toBe(412);
    expect((await agentOps.browser.get(url)).statusCode).toBe(200);
    const removed = await managerOps.browser.delete(url, { 'if-match': '"1"' });
    expect(removed.statusCode).toBe(204);
    expect((await managerOps.browser.get(url)).statusCode).toBe(404);
    expect((await auditRows([created.id])).get(created.id)).toEqual(['ticket.created', 'ticket.deleted']);
  });

  it('refuses unknown fields, including server-owned ones (400), and creates nothing', async () => {
    const before = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
    const unknown = await agentOps.browser.post('/api/v2/tickets', {
      kind: 'incident',
      title: 'Forged',
      resolved_at: '2001-01-01T00:00:00Z',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<Problem>().errors).toEqual([{ field: 'resolved_at', message: 'Unknown field.' }]);
    const noKind = await agentOps.browser.post('/api/v2/tickets', { title: 'No kind' });
    expect(noKind.statusCode).toBe(400);
    expect(noKind.json<Problem>().errors?.map((e) => e.field)).toContain('kind');
    const after = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);

    const created = await fixture(agentOps, { title: 'Patch unknown' });
    const patch = await agentOps.browser.patch(
      `/api/v2/tickets/${created.id}`,
      { number: 99, closed_at: '2001-01-01T00:00:00Z' },
      { 'if-match': '"1"' },
    );
    expect(patch.statusCode).toBe(400);
    expect(
      patch
        .json<Problem>()
        .errors?.map((e) => e.field)
        .sort(),
    ).toEqual(['closed_at', 'number']);
  });
});

describe('search relevance', () => {
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const tickets: [string, TicketInput & { title: string }, TicketKind?][] = [
      // The exact match is created first: on a tie, newer ids would win, so only the ranking can put it first.
      ['exact', { title: 'Printer', description: 'It makes a noise' }],
      ['jam', { title: 'Printer jam in studio', description: 'Paper stuck' }],
      ['toner', { title: 'Studio printer out of toner', priority: 'critical' }],
      ['vlan', { title: 'Network switch down', description: 'the printer VLAN is affected too' }],
      ['room', { title: 'Replace cartridge', description: 'the printer in room 4 needs one' }],
      ['monitor', { title: 'Monitor flickering', description: 'the one next to the printer' }],
      ['coffee', { title: 'Coffee machine broken', description: 'no caffeine' }],
      [
        'setup',
        { title: 'Printer setup for new hire', priority: 'low', assigneeId: agentEng.person.user.id },
        'service',
      ],
    ];
    for (const [key, input, kind] of tickets) ids[key] = (await fixture(admin, input, kind)).id;
    await t.database.pool.query("UPDATE tickets SET created_at = '2020-01-15T12:00:00Z' WHERE id = $1", [
      ids.jam,
    ]);
  });

  const search = async (query: string, browser = admin.browser) => {
    const response = await browser.get(`/api/v2/tickets?limit=100&${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<V2Page<TicketV2>>().data;
  };
  const printerIds = () =>
    ['jam', 'toner', 'exact', 'vlan', 'room', 'monitor', 'setup'].map((key) => ids[key]);

  it('ranks the exact title first, then title matches, then description matches', async () => {
    const rows = await search('search=Printer');
    expect(rows[0]?.title).toBe('Printer');
    expect(rows.map((row) => row.id).sort()).toEqual([...printerIds()].sort());
    const titled = rows.slice(0, 4).map((row) => row.id);
    expect(titled.sort()).toEqual([ids.exact, ids.jam, ids.toner, ids.setup].sort());

    const lower = await search('search=printer');
    expect(lower[0]?.id).toBe(ids.exact);

    const v1 = await admin.browser.get('/api/incident-tickets/?search=Printer');
    expect(v1.json<V1Page<IncidentTicketV1>>().results[0]?.title).toBe('Printer');
    expect(v1.json<V1Page<IncidentTicketV1>>().count).toBe(6);
  });

  it('matches word prefixes', async () => {
    const rows = await search('search=prin');
    expect(rows.map((row) => row.id).sort()).toEqual([...printerIds()].sort());
    expect(rows.map((row) => row.id)).not.toContain(ids.coffee);
    expect((await search('search=netw')).map((row) => row.id)).toEqual([ids.vlan]);
  });

  it('finds the intended title through a typo', async () => {
    // A dropped, swapped-at-the-end or doubled letter: the word is corrected against the
    // words of ticket titles, and the search runs as if it had been spelt right.
    const spelt = (await search('search=printer')).map((row) => row.id);
    for (const typo of ['prnter', 'printre', 'printerr']) {
      const rows = (await search(`search=${typo}`)).map((row) => row.id);
      expect(rows, typo).toEqual(spelt);
      expect(rows, typo).toEqual(expect.arrayContaining([ids.exact, ids.jam, ids.toner, ids.setup]));
      expect(rows, typo).not.toContain(ids.coffee);
    }
    const netwrok = await search('search=netwrok');
    expect(netwrok[0]?.id).toBe(ids.vlan);
    expect(await search('search=zzzzqqqq')).toEqual([]);
  });

  it('combines with filters', async () => {
    expect((await search('search=printer&kind=service')).map((row) => row.id)).toEqual([ids.setup]);
    expect((await search('search=printer&priority=critical')).map((row) => row.id)).toEqual([ids.toner]);
    expect((await search(`search=printer&assignee=${agentEng.person.user.id}`)).map((row) => row.id)).toEqual(
      [ids.setup],
    );
    expect((await search('search=printer&created_before=2020-02-01')).map((row) => row.id)).toEqual([
      ids.jam,
    ]);
    const after = (await search('search=printer&created_after=2020-02-01')).map((row) => row.id);
    expect(after).not.toContain(ids.jam);
    expect(after).toHaveLength(printerIds().length - 1);
    const window = await search(
      'search=printer&created_after=2020-01-01&created_before=2020-01-31T23:59:59Z',
    );
    expect(window.map((row) => row.id)).toEqual([ids.jam]);
  });

  it('pages through relevance results with cursors: no duplicates, nothing missed, same order', async () => {
    const all = (await search('search=printer')).map((row) => row.id);
    const seen: number[] = [];
    let url: string | null = '/api/v2/tickets?search=printer&limit=2';
    let pages = 0;
    while (url) {
      const response: LightMyRequestResponse = await admin.browser.get(url);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json<V2Page<TicketV2>>();
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((row) => row.id));
      expect(page.has_more).toBe(page.next_cursor !== null);
      url = page.next_cursor
        ? `/api/v2/tickets?search=printer&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`
        : null;
      pages += 1;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(all);
  });

  it('searches only what the caller may see', async () => {
    // Everything above was reported by the admin, in no department: invisible to an Ops agent.
    expect(await search('search=printer', agentOps.browser)).toEqual([]);
  });
});

describe('lists embed relations in a constant number of queries; exports parse back', () => {
  let people: Member[];
  let facilities: { id: number; name: string }[];
  let types: { id: number }[];

  beforeAll(async () => {
    people = [agentOps, agentEng, managerOps, managerEng, await member('agent', 'Eng')];
    facilities = [facility];
    for (const name of ['Studio 2', 'Gallery']) {
      facilities.push(await t.services.sites.createFacility(sys, { name, locationId: location.id }));
    }
    types = [incidentType, await t.services.ticketReference.createIncidentType(sys, { name: 'Power' })];
    const departments = [agentOps.person.user.departmentId, agentEng.person.user.departmentId];
    const inputs = Array.from({ length: 110 }, (_, i) => ({
      title: i === 7 ? 'Comma, "quoted" & <xml> ticket' : `Load ticket ${String(i).padStart(3, '0')}`,
      priority: 'high' as const,
      reporterId: people[i % people.length]?.person.user.id ?? null,
      assigneeId: people[(i + 1) % people.length]?.person.user.id ?? null,
      facilityId: facilities[i % facilities.length]?.id ?? null,
      departmentId: departments[i % 2] ?? null,
      incidentTypeId: types[i % 2]?.id ?? null,
    }));
    for (let i = 0; i < inputs.length; i += 10) {
      await Promise.all(inputs.slice(i, i + 10).map((input) => fixture(admin, input)));
    }
  });

  it('v2: ?limit=1 and ?limit=100 take the same number of queries', async () => {
    let small: TicketV2[] = [];
    let large: TicketV2[] = [];
    // Warm-up with another size: the measured pages are then read cache misses (docs/caching.md), loaded from the database.
    await admin.browser.get('/api/v2/tickets?limit=2');
    const one = await countQueries(async () => {
      small = (await admin.browser.get('/api/v2/tickets?limit=1')).json<V2Page<TicketV2>>().data;
    });
    const hundred = await countQueries(async () => {
      large = (await admin.browser.get('/api/v2/tickets?limit=100')).json<V2Page<TicketV2>>().data;
    });
    expect(small).toHaveLength(1);
    expect(large).toHaveLength(100);
    for (const row of large) {
      expect(row.reporter).not.toBeNull();
      expect(row.assignee).not.toBeNull();
      expect(row.facility).not.toBeNull();
      expect(row.department).not.toBeNull();
      expect(row.incident_type).not.toBeNull();
    }
    expect(new Set(large.map((row) => row.reporter?.id)).size).toBe(people.length);
    expect(new Set(large.map((row) => row.facility?.id)).size).toBe(3);
    // The list itself plus people and facilities at least (departments are kept per process).
    expect(one).toBeGreaterThanOrEqual(3);
    expect(hundred).toBe(one);
  });

  it('v1: ?page_size=1 and ?page_size=100 take the same number of queries', async () => {
    let small: IncidentTicketV1[] = [];
    let large: IncidentTicketV1[] = [];
    // Warm-up with another size (the count is kept); the measured pages are read cache misses.
    await admin.browser.get('/api/incident-tickets/?page_size=2');
    const one = await countQueries(async () => {
      small = (await admin.browser.get('/api/incident-tickets/?page_size=1')).json<V1Page<IncidentTicketV1>>()
        .results;
    });
    const hundred = await countQueries(async () => {
      large = (await admin.browser.get('/api/incident-tickets/?page_size=100')).json<
        V1Page<IncidentTicketV1>
      >().results;
    });
    expect(small).toHaveLength(1);
    expect(large).toHaveLength(100);
    expect(
      large.every((row) => row.reporter && row.assignee && row.facility?.location && row.incident_type),
    ).toBe(true);
    // The count's generations, the list, people and facilities at least.
    expect(one).toBeGreaterThanOrEqual(4);
    expect(hundred).toBe(one);
  });

  it('v2 CSV export has every matching row, equal to the JSON list', async () => {
    const json: TicketV2[] = [];
    let cursor: string | null = null;
    do {
      const response: LightMyRequestResponse = await admin.browser.get(
        `/api/v2/tickets?kind=incident&priority=high&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const page = response.json<V2Page<TicketV2>>();
      json.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    expect(json.length).toBeGreaterThan(110);

    const csv = await admin.browser.get('/api/v2/tickets?kind=incident&priority=high&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="tickets\.csv"/);
    const records = parseCsv(csv.body, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(json.length);
    expect(records.map((r) => [r.id, r.number, r.title, r['facility.name'], r['reporter.username']])).toEqual(
      json.map((row) => [
        String(row.id),
        row.number,
        row.title,
        row.facility?.name ?? '',
        row.reporter?.username ?? '',
      ]),
    );
    expect(records.map((r) => r.title)).toContain('Comma, "quoted" & <xml> ticket');
    expect(records.every((r) => r.kind === 'incident' && r.priority === 'high')).toBe(true);
  });

  it('v1 XML export with a filter has every matching row, equal to the JSON pages', async () => {
    const json: IncidentTicketV1[] = [];
    let url: string | null = '/api/incident-tickets/?priority=High&page_size=100';
    while (url) {
      const page: V1Page<IncidentTicketV1> = (await admin.browser.get(url)).json();
      json.push(...page.results);
      url = page.next ? relative(page.next) : null;
    }
    expect(json.length).toBeGreaterThan(110);

    const xml = await admin.browser.get('/api/incident-tickets/?priority=High&format=xml');
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toMatch(/^application\/xml/);
    const parsed = new XMLParser({ parseTagValue: false }).parse(xml.body) as {
      root: { 'list-item': Record<string, string>[] };
    };
    const items = parsed.root['list-item'];
    expect(items).toHaveLength(json.length);
    expect(
      items.map((item) => [
        item.id,
        item.number,
        item.title,
        item['facility.name'],
        item['facility.location.name'],
        item['reporter.user.username'],
        item.priority,
      ]),
    ).toEqual(
      json.map((row) => [
        String(row.id),
        row.number,
        row.title,
        row.facility?.name ?? '',
        row.facility?.location?.name ?? '',
        row.reporter?.user.username ?? '',
        'High',
      ]),
    );
    expect(items.map((item) => item.title)).toContain('Comma, "quoted" & <xml> ticket');
  });

  it('exports only what the caller may see', async () => {
    const csv = await agentOps.browser.get('/api/v2/tickets?format=csv&limit=100');
    const records = parseCsv(csv.body, { columns: true }) as Record<string, string>[];
    expect(records.length).toBeGreaterThan(0);
    const visible = await t.database.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM tickets WHERE department_id = $1 OR reporter_id = $2 OR assignee_id = $2',
      [agentOps.person.user.departmentId, agentOps.person.user.id],
    );
    expect(records).toHaveLength(visible.rows[0]?.n ?? -1);
  });
});

describe('permissions and BOLA', () => {
  let eng: { id: number };
  let engComment: number;
  let engAttachment: number;
  let ops: { id: number };

  beforeAll(async () => {
    eng = await fixture(agentEng, { title: 'Eng only: rack fan noise' });
    engComment = (
      await t.services.tickets.addComment(ctxOf(agentEng.person), eng.id, {
        body: 'Eng note',
        internal: true,
      })
    ).comment.id;
    engAttachment = (
      await t.services.ticketAttachments.add(ctxOf(agentEng.person), eng.id, {
        filename: 'rack.png',
        stream: Readable.from(png()),
      })
    ).id;
    ops = await fixture(managerOps, { title: 'Ops: fader sticks' });
  });

  const v2Attempts = (id: number, who: Browser): [string, () => Promise<LightMyRequestResponse>][] => {
    const upload = multipart('x.png', png());
    return [
      ['GET ticket', () => who.get(`/api/v2/tickets/${id}`)],
      [
        'PATCH ticket',
        () => who.patch(`/api/v2/tickets/${id}`, { title: 'Hijacked' }, { 'if-match': '"1"' }),
      ],
      ['PATCH ticket *', () => who.patch(`/api/v2/tickets/${id}`, { status: 'closed' }, { 'if-match': '*' })],
      [
        // Bad references are not checked before visibility: still 404, not 400.
        'PATCH bad refs',
        () =>
          who.patch(
            `/api/v2/tickets/${id}`,
            { assignee_id: 999_999, facility_id: 999_998 },
            { 'if-match': '*' },
          ),
      ],
      ['GET comments', () => who.get(`/api/v2/tickets/${id}/comments`)],
      ['POST comment', () => who.post(`/api/v2/tickets/${id}/comments`, { body: 'Sneaky' })],
      ['DELETE comment', () => who.delete(`/api/v2/tickets/${id}/comments/${engComment}`)],
      ['GET attachments', () => who.get(`/api/v2/tickets/${id}/attachments`)],
      [
        'POST attachment',
        () => who.post(`/api/v2/tickets/${id}/attachments`, upload.payload, upload.headers),
      ],
      ['POST link', () => who.post(`/api/v2/tickets/${id}/attachments/${engAttachment}/link`)],
      ['DELETE attachment', () => who.delete(`/api/v2/tickets/${id}/attachments/${engAttachment}`)],
      ['GET history', () => who.get(`/api/v2/tickets/${id}/history`)],
      ['GET watchers', () => who.get(`/api/v2/tickets/${id}/watchers`)],
      ['POST watchers', () => who.post(`/api/v2/tickets/${id}/watchers`, {})],
      ['DELETE watcher', () => who.delete(`/api/v2/tickets/${id}/watchers/${agentEng.person.user.id}`)],
    ];
  };

  it('an Ops agent gets 404 for an Eng ticket on every id-based endpoint, and changes nothing', async () => {
    const before = (await admin.browser.get(`/api/v2/tickets/${eng.id}`)).json<TicketV2>();
    const filesBefore = (await storedFiles()).length;
    for (const [label, attempt] of v2Attempts(eng.id, agentOps.browser)) {
      const response = await attempt();
      expect(response.statusCode, `${label}: ${response.body}`).toBe(404);
      expect(response.json<Problem>().code, label).toBe('TICKET_NOT_FOUND');
    }
    for (const [label, attempt] of [
      ['v1 GET', () => agentOps.browser.get(`/api/incident-tickets/${eng.id}/`)],
      ['v1 PATCH', () => agentOps.browser.patch(`/api/incident-tickets/${eng.id}/`, { title: 'Hijacked' })],
      ['v1 PUT', () => agentOps.browser.put(`/api/incident-tickets/${eng.id}/`, { title: 'Hijacked' })],
    ] as const) {
      const response = await attempt();
      expect(response.statusCode, label).toBe(404);
      expect(response.json(), label).toMatchObject({ detail: 'Not found.', code: 'TICKET_NOT_FOUND' });
    }
    // Nothing changed, nothing was added.
    expect((await admin.browser.get(`/api/v2/tickets/${eng.id}`)).json()).toEqual(before);
    expect((await admin.browser.get(`/api/v2/tickets/${eng.id}/comments`)).json<CommentV2[]>()).toHaveLength(
      1,
    );
    expect(
      (await admin.browser.get(`/api/v2/tickets/${eng.id}/attachments`)).json<AttachmentV2[]>(),
    ).toHaveLength(1);
    expect((await admin.browser.get(`/api/v2/tickets/${eng.id}/watchers`)).json()).toEqual([]);
    expect((await storedFiles()).length).toBe(filesBefore);
    expect((await auditRows([eng.id])).get(eng.id)).toEqual([
      'ticket.created',
      'ticket.commented',
      'ticket.attachment_added',
    ]);
  });

  it('answers a hidden ticket exactly like a missing one', async () => {
    const hidden = await agentOps.browser.get(`/api/v2/tickets/${eng.id}`);
    const missing = await agentOps.browser.get('/api/v2/tickets/2000000000');
    expect(missing.statusCode).toBe(404);
    const strip = (body: Problem & { instance?: string; request_id?: string }) => ({
      ...body,
      instance: undefined,
      request_id: undefined,
    });
    expect(strip(hidden.json())).toEqual(strip(missing.json()));
  });

  it('the same requests succeed for a ticket of the agent’s own department (the 404s are not broken routes)', async () => {
    for (const [label, attempt] of [
      ['GET ticket', () => agentOps.browser.get(`/api/v2/tickets/${ops.id}`)],
      ['GET comments', () => agentOps.browser.get(`/api/v2/tickets/${ops.id}/comments`)],
      ['GET attachments', () => agentOps.browser.get(`/api/v2/tickets/${ops.id}/attachments`)],
      ['GET history', () => agentOps.browser.get(`/api/v2/tickets/${ops.id}/history`)],
      ['GET watchers', () => agentOps.browser.get(`/api/v2/tickets/${ops.id}/watchers`)],
      ['v1 GET', () => agentOps.browser.get(`/api/incident-tickets/${ops.id}/`)],
    ] as const) {
      expect((await attempt()).statusCode, label).toBe(200);
    }
    const patch = await agentOps.browser.patch(
      `/api/v2/tickets/${ops.id}`,
      { status: 'in_progress' },
      { 'if-match': '*' },
    );
    expect(patch.statusCode, patch.body).toBe(200);
  });

  it('the Eng ticket is absent from the Ops agent’s lists and searches, present in the Eng agent’s', async () => {
    const v2 = (
      await agentOps.browser.get(
        '/api/v2/tickets?limit=100&department=' + String(agentEng.person.user.departmentId),
      )
    ).json<V2Page<TicketV2>>();
    expect(v2.data.map((row) => row.id)).not.toContain(eng.id);
    const search = (await agentOps.browser.get('/api/v2/tickets?search=rack%20fan')).json<V2Page<TicketV2>>();
    expect(search.data).toEqual([]);
    const v1 = (await agentOps.browser.get('/api/incident-tickets/?search=rack%20fan')).json<
      V1Page<IncidentTicketV1>
    >();
    expect(v1.count).toBe(0);
    const own = (await agentEng.browser.get('/api/v2/tickets?search=rack%20fan')).json<V2Page<TicketV2>>();
    expect(own.data.map((row) => row.id)).toEqual([eng.id]);
  });

  it('delete: an agent may not (403, whatever the ticket); a manager gets 404 for another department', async () => {
    for (const id of [eng.id, ops.id]) {
      const v2 = await agentOps.browser.delete(`/api/v2/tickets/${id}`, { 'if-match': '*' });
      expect(v2.statusCode).toBe(403);
      expect(v2.json<Problem>().code).toBe('PERMISSION_DENIED');
      expect((await agentOps.browser.delete(`/api/incident-tickets/${id}/`)).statusCode).toBe(403);
    }
    const v2 = await managerOps.browser.delete(`/api/v2/tickets/${eng.id}`, { 'if-match': '*' });
    expect(v2.statusCode).toBe(404);
    expect(v2.json<Problem>().code).toBe('TICKET_NOT_FOUND');
    const v1 = await managerOps.browser.delete(`/api/incident-tickets/${eng.id}/`);
    expect(v1.statusCode).toBe(404);
    const get = await managerOps.browser.get(`/api/v2/tickets/${eng.id}`);
    expect(get.statusCode).toBe(404);
    expect((await managerEng.browser.get(`/api/v2/tickets/${eng.id}`)).statusCode).toBe(200);

    const doomed = await fixture(agentOps, { title: 'Ops ticket to delete' });
    const doomedToo = await fixture(agentOps, { title: 'Ops ticket to delete (v1)' });
    expect(
      (await managerEng.browser.delete(`/api/v2/tickets/${doomed.id}`, { 'if-match': '*' })).statusCode,
    ).toBe(404);
    expect(
      (await managerOps.browser.delete(`/api/v2/tickets/${doomed.id}`, { 'if-match': '*' })).statusCode,
    ).toBe(204);
    expect((await managerOps.browser.delete(`/api/incident-tickets/${doomedToo.id}/`)).statusCode).toBe(204);
    expect((await admin.browser.get(`/api/v2/tickets/${doomedToo.id}`)).statusCode).toBe(404);
  });

  it('assigned to an Ops agent, an Eng ticket becomes visible and workable for them', async () => {
    const assigned = await fixture(agentEng, { title: 'Eng ticket for Ops agent' });
    expect((await agentOps.browser.get(`/api/v2/tickets/${assigned.id}`)).statusCode).toBe(404);
    await t.services.tickets.update(ctxOf(managerEng.person), assigned.id, {
      assigneeId: agentOps.person.user.id,
    });
    const get = await agentOps.browser.get(`/api/v2/tickets/${assigned.id}`);
    expect(get.statusCode).toBe(200);
    const work = await agentOps.browser.patch(
      `/api/v2/tickets/${assigned.id}`,
      { status: 'resolved' },
      { 'if-match': get.headers.etag as string },
    );
    expect(work.statusCode, work.body).toBe(200);
    expect(work.json()).toMatchObject({ status: 'resolved' });
    const note = await agentOps.browser.post(`/api/v2/tickets/${assigned.id}/comments`, {
      body: 'Fixed it',
      internal: true,
    });
    expect(note.statusCode).toBe(201);
    const v1 = await agentOps.browser.get(`/api/incident-tickets/${assigned.id}/`);
    expect(v1.statusCode).toBe(200);
    const list = (await agentOps.browser.get('/api/v2/tickets?search=Eng%20ticket%20for%20Ops')).json<
      V2Page<TicketV2>
    >();
    expect(list.data.map((row) => row.id)).toContain(assigned.id);
    // Assigned is not managed: still no delete.
    expect(
      (await managerOps.browser.delete(`/api/v2/tickets/${assigned.id}`, { 'if-match': '*' })).statusCode,
    ).toBe(404);
  });

  it('watching an Eng ticket makes it readable, not workable', async () => {
    const watched = await fixture(agentEng, { title: 'Eng ticket watched by Ops' });
    await t.services.tickets.watch(ctxOf(managerEng.person), watched.id, agentOps.person.user.id);
    expect((await agentOps.browser.get(`/api/v2/tickets/${watched.id}`)).statusCode).toBe(200);
    const watchers = await agentOps.browser.get(`/api/v2/tickets/${watched.id}/watchers`);
    expect(watchers.json()).toEqual([
      { id: agentOps.person.user.id, username: agentOps.person.user.username },
    ]);
    const work = await agentOps.browser.patch(
      `/api/v2/tickets/${watched.id}`,
      { status: 'in_progress' },
      { 'if-match': '*' },
    );
    expect(work.statusCode).toBe(403);
    expect((await admin.browser.get(`/api/v2/tickets/${watched.id}`)).json()).toMatchObject({
      status: 'open',
    });
  });

  it('a viewer reads and reports in their department, cannot change status, never sees internal notes', async () => {
    const ticket = await fixture(agentOps, { title: 'Ops ticket for the viewer' });
    expect((await viewerOps.browser.get(`/api/v2/tickets/${ticket.id}`)).statusCode).toBe(200);
    expect((await viewerOps.browser.get(`/api/v2/tickets/${eng.id}`)).statusCode).toBe(404);
    const list = (await viewerOps.browser.get('/api/v2/tickets?limit=100&kind=incident')).json<
      V2Page<TicketV2>
    >();
    expect(list.data.map((row) => row.id)).toContain(ticket.id);
    expect(
      list.data.every(
        (row) => row.department?.name === 'Ops' || row.reporter?.id === viewerOps.person.user.id,
      ),
    ).toBe(true);

    const status = await viewerOps.browser.patch(
      `/api/v2/tickets/${ticket.id}`,
      { status: 'in_progress' },
      { 'if-match': '"1"' },
    );
    expect(status.statusCode).toBe(403);
    expect(status.json<Problem>().code).toBe('TICKET_FORBIDDEN');
    const v1Status = await viewerOps.browser.patch(`/api/incident-tickets/${ticket.id}/`, {
      status: 'In Progress',
    });
    expect(v1Status.statusCode).toBe(403);
    expect((await admin.browser.get(`/api/v2/tickets/${ticket.id}`)).json()).toMatchObject({
      status: 'open',
      version: 1,
    });

    const created = await viewerOps.browser.post('/api/v2/tickets', {
      kind: 'service',
      title: 'Viewer needs a headset',
      reporter_id: agentEng.person.user.id,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      reporter: { id: viewerOps.person.user.id },
      department: { name: 'Ops' },
      status: 'open',
    });

    const internal = await agentOps.browser.post(`/api/v2/tickets/${ticket.id}/comments`, {
      body: 'Internal: vendor contract number 42',
      internal: true,
    });
    expect(internal.statusCode).toBe(201);
    const publicComment = await agentOps.browser.post(`/api/v2/tickets/${ticket.id}/comments`, {
      body: 'We are on it',
    });
    expect(publicComment.statusCode).toBe(201);
    const agentSees = (await agentOps.browser.get(`/api/v2/tickets/${ticket.id}/comments`)).json<
      CommentV2[]
    >();
    expect(agentSees.map((c) => [c.body, c.internal])).toEqual([
      ['Internal: vendor contract number 42', true],
      ['We are on it', false],
    ]);
    const viewerSees = (await viewerOps.browser.get(`/api/v2/tickets/${ticket.id}/comments`)).json<
      CommentV2[]
    >();
    expect(viewerSees.map((c) => c.body)).toEqual(['We are on it']);
    const deleteInternal = await viewerOps.browser.delete(
      `/api/v2/tickets/${ticket.id}/comments/${internal.json<CommentV2>().id}`,
    );
    expect(deleteInternal.statusCode).toBe(404);

    const viewerInternal = await viewerOps.browser.post(`/api/v2/tickets/${ticket.id}/comments`, {
      body: 'I am staff now',
      internal: true,
    });
    expect(viewerInternal.statusCode).toBe(403);
    const viewerPublic = await viewerOps.browser.post(`/api/v2/tickets/${ticket.id}/comments`, {
      body: 'Thanks',
    });
    expect(viewerPublic.statusCode).toBe(201);
    expect(viewerPublic.json()).toMatchObject({ internal: false, author: { id: viewerOps.person.user.id } });
    expect(
      (await agentOps.browser.get(`/api/v2/tickets/${ticket.id}/comments`)).json<CommentV2[]>(),
    ).toHaveLength(3);

    // Bulk is working tickets: not for a viewer.
    expect(
      (await viewerOps.browser.post('/api/v2/tickets/bulk', { ids: [ticket.id], status: 'in_progress' }))
        .statusCode,
    ).toBe(403);
  });

  it('an admin sees everything', async () => {
    for (const id of [eng.id, ops.id])
      expect((await admin.browser.get(`/api/v2/tickets/${id}`)).statusCode).toBe(200);
    const all = await t.database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets');
    const v1 = (await admin.browser.get('/api/incident-tickets/')).json<V1Page<IncidentTicketV1>>();
    const v1Service = (await admin.browser.get('/api/service-tickets/')).json<V1Page<ServiceTicketV1>>();
    expect(v1.count + v1Service.count).toBe(all.rows[0]?.n);
    expect(
      (await admin.browser.get(`/api/v2/tickets/${eng.id}/comments`)).json<CommentV2[]>()[0],
    ).toMatchObject({
      internal: true,
    });
  });
});

describe('bulk changes', () => {
  it('answers per ticket: changed, not found, invalid transition; only the changed one is audited', async () => {
    const workable = await fixture(managerOps, { title: 'Bulk: workable' });
    const hidden = await fixture(agentEng, { title: 'Bulk: hidden' });
    const closed = await fixture(managerOps, { title: 'Bulk: closed' });
    await t.services.tickets.update(ctxOf(managerOps.person), closed.id, { status: 'closed' });
    const ids = [workable.id, hidden.id, closed.id];
    const auditBefore = await auditRows(ids);
    const versionsBefore = await t.database.pool.query<{ id: number; version: number; status: string }>(
      'SELECT id, version, status FROM tickets WHERE id = ANY($1) ORDER BY id',
      [ids],
    );

    const response = await agentOps.browser.post('/api/v2/tickets/bulk', { ids, status: 'resolved' });
    expect(response.statusCode, response.body).toBe(200);
    const results = response.json<{ results: BulkRow[] }>().results;
    expect(results.map((r) => [r.id, r.ok, r.code])).toEqual([
      [workable.id, true, undefined],
      [hidden.id, false, 'TICKET_NOT_FOUND'],
      [closed.id, false, 'TICKET_INVALID_TRANSITION'],
    ]);
    expect(results[0]?.ticket).toMatchObject({ id: workable.id, status: 'resolved', version: 2 });
    expect(results[0]?.ticket?.resolved_at).toMatch(ISO);
    expect(results[1]?.ticket).toBeUndefined();
    expect(results[2]?.detail).toMatch(/closed/);

    const after = await t.database.pool.query<{ id: number; version: number; status: string }>(
      'SELECT id, version, status FROM tickets WHERE id = ANY($1) ORDER BY id',
      [ids],
    );
    const byId = (rows: { id: number; version: number; status: string }[], id: number) =>
      rows.find((row) => row.id === id);
    expect(byId(after.rows, workable.id)).toMatchObject({ status: 'resolved', version: 2 });
    expect(byId(after.rows, hidden.id)).toEqual(byId(versionsBefore.rows, hidden.id));
    expect(byId(after.rows, closed.id)).toEqual(byId(versionsBefore.rows, closed.id));

    const auditAfter = await auditRows(ids);
    expect(auditAfter.get(workable.id)).toEqual([
      ...(auditBefore.get(workable.id) ?? []),
      'ticket.status_changed',
    ]);
    expect(auditAfter.get(hidden.id)).toEqual(auditBefore.get(hidden.id));
    expect(auditAfter.get(closed.id)).toEqual(auditBefore.get(closed.id));
  });

  it('refuses an empty change and unknown fields', async () => {
    const ticket = await fixture(managerOps, { title: 'Bulk: nothing' });
    const empty = await agentOps.browser.post('/api/v2/tickets/bulk', { ids: [ticket.id] });
    expect(empty.statusCode).toBe(400);
    expect(empty.json<Problem>().code).toBe('TICKET_BULK_EMPTY');
    const unknown = await agentOps.browser.post('/api/v2/tickets/bulk', { ids: [ticket.id], title: 'x' });
    expect(unknown.statusCode).toBe(400);
    expect((await admin.browser.get(`/api/v2/tickets/${ticket.id}`)).json()).toMatchObject({ version: 1 });
  });
});

describe('history', () => {
  it('lists created, status change and comment in order, with who did it', async () => {
    const created = await agentOps.browser.post('/api/v2/tickets', {
      kind: 'incident',
      title: 'History ticket',
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<TicketV2>();
    const moved = await agentOps.browser.patch(
      `/api/v2/tickets/${id}`,
      { status: 'in_progress' },
      { 'if-match': '"1"' },
    );
    expect(moved.statusCode).toBe(200);
    const renamed = await managerOps.browser.patch(
      `/api/v2/tickets/${id}`,
      { title: 'History ticket (renamed)' },
      { 'if-match': '"2"' },
    );
    expect(renamed.statusCode).toBe(200);
    expect(
      (await agentOps.browser.post(`/api/v2/tickets/${id}/comments`, { body: 'Looking' })).statusCode,
    ).toBe(201);

    const response = await viewerOps.browser.get(`/api/v2/tickets/${id}/history`);
    expect(response.statusCode).toBe(200);
    const history = response.json<HistoryEntry[]>();
    expect(history.map((entry) => [entry.action, entry.actor])).toEqual([
      ['ticket.created', agentOps.person.user.username],
      ['ticket.status_changed', agentOps.person.user.username],
      ['ticket.updated', managerOps.person.user.username],
      ['ticket.commented', agentOps.person.user.username],
    ]);
    expect(history[1]?.changes.status).toEqual({ from: 'open', to: 'in_progress' });
    expect(history[2]?.changes.title).toEqual({ from: 'History ticket', to: 'History ticket (renamed)' });
    expect(history[2]?.changes).not.toHaveProperty('status');
    expect(history[0]?.changes.title).toEqual({ from: null, to: 'History ticket' });
    const ids = history.map((entry) => entry.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    for (const entry of history) expect(entry.at).toMatch(ISO);
  });
});

describe('attachments', () => {
  let ticket: { id: number };
  let photo: AttachmentV2;
  const image = png(200);

  beforeAll(async () => {
    ticket = await fixture(agentOps, { title: 'Attachment ticket' });
  });

  const upload = (filename: string, bytes: Buffer, browser = agentOps.browser) => {
    const body = multipart(filename, bytes);
    return browser.post(`/api/v2/tickets/${ticket.id}/attachments`, body.payload, body.headers);
  };
  const attachmentsOf = async () =>
    (await agentOps.browser.get(`/api/v2/tickets/${ticket.id}/attachments`)).json<AttachmentV2[]>();

  it('stores a real PNG, its type read from the bytes', async () => {
    const response = await upload('photo.png', image);
    expect(response.statusCode, response.body).toBe(201);
    photo = response.json<AttachmentV2>();
    expect(photo).toMatchObject({
      ticket_id: ticket.id,
      filename: 'photo.png',
      content_type: 'image/png',
      size: image.length,
      sha256: sha256(image),
      uploader_id: agentOps.person.user.id,
    });
    expect(await attachmentsOf()).toEqual([photo]);
  });

  it('refuses a .png that is really HTML (415 FILE_TYPE_MISMATCH) and stores nothing', async () => {
    const files = await storedFiles();
    const response = await upload('innocent.png', HTML_AS_PNG);
    expect(response.statusCode).toBe(415);
    expect(response.json<Problem>().code).toBe('FILE_TYPE_MISMATCH');
    expect(await attachmentsOf()).toEqual([photo]);
    expect(await storedFiles()).toEqual(files);
  });

  it('refuses a file over ATTACHMENT_MAX_BYTES (413) and stores nothing', async () => {
    const files = await storedFiles();
    const big = png(MAX_BYTES + 500);
    expect(big.length).toBeGreaterThan(MAX_BYTES);
    const response = await upload('big.png', big);
    expect(response.statusCode, response.body).toBe(413);
    expect(await attachmentsOf()).toEqual([photo]);
    expect(await storedFiles()).toEqual(files);
  });

  it('a viewer of the department may not upload (403)', async () => {
    const response = await upload('viewer.png', image, viewerOps.browser);
    expect(response.statusCode).toBe(403);
    expect(await attachmentsOf()).toHaveLength(1);
  });

  it('downloads through a signed link without a session; tampered 403, expired 410', async () => {
    const link = await agentOps.browser.post(`/api/v2/tickets/${ticket.id}/attachments/${photo.id}/link`);
    expect(link.statusCode, link.body).toBe(200);
    const { url, expires_at: expiresAt } = link.json<{ url: string; expires_at: string }>();
    expect(url).toMatch(/^\/api\/v2\/files\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(0);

    const download = await t.app.inject({ method: 'GET', url });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(image)).toBe(true);
    expect(download.headers['content-type']).toBe('image/png');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="photo\.png"/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');

    const token = url.slice('/api/v2/files/'.length);
    const flip = (char: string | undefined) => (char === 'A' ? 'B' : 'A');
    const middle = token.indexOf('.') + 5;
    for (const forged of [
      `${flip(token[0])}${token.slice(1)}`,
      `${token.slice(0, middle)}${flip(token[middle])}${token.slice(middle + 1)}`,
    ]) {
      expect(forged).not.toBe(token);
      const tampered = await t.app.inject({ method: 'GET', url: `/api/v2/files/${forged}` });
      expect(tampered.statusCode).toBe(403);
      expect(tampered.json<Problem>().code).toBe('FILE_LINK_INVALID');
    }

    const { rows } = await t.database.pool.query<{ storage_key: string }>(
      'SELECT storage_key FROM ticket_attachments WHERE id = $1',
      [photo.id],
    );
    const key = rows[0]?.storage_key ?? '';
    const sign = (now: Date, secret = SECRET) =>
      signDownload({ key, filename: 'photo.png', expiresInSeconds: 10, secret, now }).token;
    // Signed now with the app's SECRET_KEY: valid (so the 410 below is about time alone).
    expect((await t.app.inject({ method: 'GET', url: `/api/v2/files/${sign(new Date())}` })).statusCode).toBe(
      200,
    );
    const expired = await t.app.inject({
      method: 'GET',
      url: `/api/v2/files/${sign(new Date(Date.now() - 3_600_000))}`,
    });
    expect(expired.statusCode).toBe(410);
    expect(expired.json<Problem>().code).toBe('FILE_LINK_EXPIRED');
    const otherSecret = await t.app.inject({
      method: 'GET',
      url: `/api/v2/files/${sign(new Date(), 'some-other-secret-0123456789-0123456789')}`,
    });
    expect(otherSecret.statusCode).toBe(403);
  });

  it('deleting an attachment removes the row and the bytes; its links stop working', async () => {
    const second = await upload('second.png', png(10));
    expect(second.statusCode).toBe(201);
    const { id } = second.json<AttachmentV2>();
    const link = (await agentOps.browser.post(`/api/v2/tickets/${ticket.id}/attachments/${id}/link`)).json<{
      url: string;
    }>();
    const files = (await storedFiles()).length;
    expect(
      (await viewerOps.browser.delete(`/api/v2/tickets/${ticket.id}/attachments/${id}`)).statusCode,
    ).toBe(403);
    expect((await agentOps.browser.delete(`/api/v2/tickets/${ticket.id}/attachments/${id}`)).statusCode).toBe(
      204,
    );
    expect((await storedFiles()).length).toBe(files - 1);
    expect((await attachmentsOf()).map((a) => a.id)).toEqual([photo.id]);
    expect((await t.app.inject({ method: 'GET', url: link.url })).statusCode).toBe(404);
  });
});

describe('reference data', () => {
  it('admins create incident types (v1 and v2); a duplicate name is a field error; others get 403', async () => {
    const v1 = await admin.browser.post('/api/incident-types/', {
      name: 'Lightning strike',
      description: 'Tower hit',
      severity_level: 4,
    });
    expect(v1.statusCode, v1.body).toBe(201);
    expect(v1.json()).toMatchObject({
      name: 'Lightning strike',
      description: 'Tower hit',
      severity_level: 4,
    });
    const duplicate = await admin.browser.post('/api/incident-types/', { name: 'LIGHTNING STRIKE' });
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json()).toEqual({ name: ['An incident type with this name already exists.'] });

    const v2 = await admin.browser.post('/api/v2/ticket-types', { name: 'Flood', severity_level: 2 });
    expect(v2.statusCode, v2.body).toBe(201);
    expect(v2.headers.etag).toBe('"1"');
    const v2dup = await admin.browser.post('/api/v2/ticket-types', { name: 'lightning strike' });
    expect(v2dup.statusCode).toBe(400);
    expect(v2dup.json<Problem>().errors).toEqual([
      { field: 'name', message: 'An incident type with this name already exists.' },
    ]);
    const badSeverity = await admin.browser.post('/api/v2/ticket-types', {
      name: 'Too bad',
      severity_level: 5,
    });
    expect(badSeverity.statusCode).toBe(400);

    for (const browser of [managerOps.browser, agentOps.browser, viewerOps.browser]) {
      expect((await browser.post('/api/incident-types/', { name: 'Not allowed' })).statusCode).toBe(403);
      expect((await browser.post('/api/v2/ticket-types', { name: 'Not allowed' })).statusCode).toBe(403);
      expect((await browser.post('/api/v2/categories', { name: 'Not allowed' })).statusCode).toBe(403);
      expect(
        (await browser.patch(`/api/incident-types/${incidentType.id}/`, { name: 'Nope' })).statusCode,
      ).toBe(403);
      // Reading is for everyone.
      expect((await browser.get('/api/incident-types/')).statusCode).toBe(200);
    }
    const stored = await t.database.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM incident_types WHERE name = 'Not allowed'",
    );
    expect(stored.rows[0]?.n).toBe(0);
    const list = (await viewerOps.browser.get('/api/v2/ticket-types?search=lightning')).json<V2Page<Ref>>();
    expect(list.data.map((type) => type.name)).toEqual(['Lightning strike']);
  });

  it('categories have subcategories; a ticket with another category’s subcategory is a 400', async () => {
    const hardware = await admin.browser.post('/api/v2/categories', { name: 'Hardware' });
    expect(hardware.statusCode, hardware.body).toBe(201);
    const hardwareId = hardware.json<Ref>().id;
    const printers = await admin.browser.post('/api/v2/categories', {
      name: 'Printers',
      parent_id: hardwareId,
    });
    expect(printers.statusCode).toBe(201);
    expect(printers.json()).toMatchObject({ name: 'Printers', parent_id: hardwareId });
    const software = (await admin.browser.post('/api/v2/categories', { name: 'Software' })).json<Ref>();
    const licences = (
      await admin.browser.post('/api/v2/categories', { name: 'Licences', parent_id: software.id })
    ).json<Ref>();
    const nested = await admin.browser.post('/api/v2/categories', {
      name: 'Too deep',
      parent_id: printers.json<Ref>().id,
    });
    expect(nested.statusCode).toBe(400);
    const duplicate = await admin.browser.post('/api/v2/categories', {
      name: 'printers',
      parent_id: hardwareId,
    });
    expect(duplicate.statusCode).toBe(400);
    expect(duplicate.json<Problem>().errors?.[0]?.field).toBe('name');

    const children = (await agentOps.browser.get(`/api/v2/categories?parent=${hardwareId}`)).json<
      V2Page<Ref>
    >();
    expect(children.data.map((c) => c.name)).toEqual(['Printers']);

    const mismatched = await agentOps.browser.post('/api/v2/tickets', {
      kind: 'incident',
      title: 'Wrong subcategory',
      category_id: hardwareId,
      subcategory_id: licences.id,
    });
    expect(mismatched.statusCode).toBe(400);
    expect(mismatched.json<Problem>().errors).toEqual([
      { field: 'subcategory_id', message: 'This subcategory belongs to another category.' },
    ]);
    const subAsCategory = await agentOps.browser.post('/api/v2/tickets', {
      kind: 'incident',
      title: 'Subcategory as category',
      category_id: licences.id,
    });
    expect(subAsCategory.statusCode).toBe(400);
    expect(subAsCategory.json<Problem>().errors?.[0]?.field).toBe('category_id');
    const count = await t.database.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM tickets WHERE title IN ('Wrong subcategory', 'Subcategory as category')",
    );
    expect(count.rows[0]?.n).toBe(0);

    const ok = await agentOps.browser.post('/api/v2/tickets', {
      kind: 'incident',
      title: 'Right subcategory',
      category_id: hardwareId,
      subcategory_id: printers.json<Ref>().id,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({
      category: { id: hardwareId, name: 'Hardware' },
      subcategory: { id: printers.json<Ref>().id, name: 'Printers' },
    });
    const patch = await agentOps.browser.patch(
      `/api/v2/tickets/${ok.json<TicketV2>().id}`,
      { subcategory_id: licences.id },
      { 'if-match': '"1"' },
    );
    expect(patch.statusCode).toBe(400);
  });

  it('an unknown facility or incident type is a DRF field error in v1', async () => {
    const response = await agentOps.browser.post('/api/incident-tickets/', {
      title: 'Dangling',
      facility_id: 999_999,
      incident_type: 999_998,
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<Record<string, string[]>>();
    expect(body.facility_id).toEqual(['Invalid pk "999999" - object does not exist.']);
    expect(Object.values(body).flat()).toContain('Invalid pk "999998" - object does not exist.');
  });
});

describe('numbering under concurrency (own database)', () => {
  let n: TestApp;
  let nAdmin: Browser;

  beforeAll(async () => {
    // Numbering is under test, not the pool's queue: on a loaded machine 50 creates can
    // wait past the default checkout timeout and get the 503 that protects a real server.
    n = await createTestApp({ DATA_DIR: dataDir, DATABASE_CONNECT_TIMEOUT_MS: '60000' });
    nAdmin = await n.login(await n.user({ role: 'admin' }));
  });
  afterAll(async () => {
    await n.close();
  });

  it('50 concurrent incident creates get exactly 1..50; service numbers are independent', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        nAdmin.post('/api/v2/tickets', { kind: 'incident', title: `Concurrent ${i}` }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array.from({ length: 50 }, () => 201));
    const numbers = responses.map((r) => r.json<TicketV2>().number).sort();
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => `INC-${String(i + 1).padStart(6, '0')}`));
    const { rows } = await n.database.pool.query<{
      total: number;
      distinct: number;
      min: number;
      max: number;
    }>(
      "SELECT count(*)::int AS total, count(DISTINCT number)::int AS distinct, min(number) AS min, max(number) AS max FROM tickets WHERE kind = 'incident'",
    );
    expect(rows[0]).toEqual({ total: 50, distinct: 50, min: 1, max: 50 });

    const service = await nAdmin.post('/api/service-tickets/', { title: 'First service' });
    expect(service.statusCode).toBe(201);
    expect(service.json<ServiceTicketV1>().number).toBe('SRV-000001');

    const mixed = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        nAdmin.post('/api/v2/tickets', { kind: i % 2 ? 'service' : 'incident', title: `Mixed ${i}` }),
      ),
    );
    expect(mixed.every((r) => r.statusCode === 201)).toBe(true);
    const byKind = (kind: string) =>
      mixed
        .map((r) => r.json<TicketV2>())
        .filter((ticket) => ticket.kind === kind)
        .map((ticket) => ticket.number)
        .sort();
    expect(byKind('incident')).toEqual(
      Array.from({ length: 10 }, (_, i) => `INC-${String(51 + i).padStart(6, '0')}`),
    );
    expect(byKind('service')).toEqual(
      Array.from({ length: 10 }, (_, i) => `SRV-${String(2 + i).padStart(6, '0')}`),
    );
  });
});
