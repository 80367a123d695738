import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { Browser, createTestApp, type TestApp } from '../../../test/helpers/app.ts';

const run = promisify(execFile);

/** Values that exist nowhere but in this test's customer. */
const MARKER = {
  email: 'Marker.Q7Z3@pii-marker.test',
  phone: '+44 20 7946 3517',
  line: 'Markerstreet 8841',
  dateOfBirth: '1977-07-19',
  notes: 'pii-marker-note-zq81',
};
/** Every spelling of the markers that would betray them (the phone also in E.164 and as bare digits). */
const FORBIDDEN = [
  'marker.q7z3',
  'Marker.Q7Z3',
  '7946 3517',
  '+442079463517',
  '2079463517',
  'Markerstreet',
  '1977-07-19',
  'zq81',
];

describe('customer PII at rest and in logs', () => {
  let t: TestApp;
  let logged = '';
  let app: FastifyInstance;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestApp();
    // The same database, served by an app that logs everything (trace) into a string.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString('utf8');
        done();
      },
    });
    app = await buildApp({
      config: t.config,
      database: t.database,
      logger: { level: 'trace', stream: sink },
    });
    await app.ready();
    const person = await t.user({ role: 'agent' });
    browser = new Browser(app);
    await browser.fetchCsrf();
    const login = await browser.post('/api/auth/login/', {
      username: person.user.username,
      password: person.password,
    });
    expect(login.statusCode).toBe(200);
  });
  afterAll(async () => {
    await app.close();
    await t.close();
  });

  it('keeps no plaintext in a pg_dump, nor in the server log of a create, lookup and search', async () => {
    const create = await browser.post('/api/v2/customers', {
      first_name: 'Dump',
      last_name: 'Probe',
      email: MARKER.email,
      phone: MARKER.phone,
      addresses: [{ kind: 'home', lines: [MARKER.line], city: 'Leeds', country: 'GB' }],
      date_of_birth: MARKER.dateOfBirth,
      notes: MARKER.notes,
    });
    expect(create.statusCode, create.body).toBe(201);
    const { id } = create.json<{ id: number }>();
    await browser.patch(`/api/v2/customers/${id}`, { notes: `${MARKER.notes} again` }, { 'if-match': '"1"' });
    for (const url of [
      `/api/v2/customers?email=${encodeURIComponent(MARKER.email)}`,
      `/api/customers/?phone=${encodeURIComponent(MARKER.phone)}`,
      `/api/v2/customers?search=${encodeURIComponent(MARKER.email)}`,
    ]) {
      const found = await browser.get(url);
      expect(found.statusCode).toBe(200);
      expect(found.body).toContain(MARKER.notes);
    }
    // An invalid value is refused without echoing it either.
    await browser.post('/api/v2/customers', { last_name: 'Bad', email: `${MARKER.email}@@` });

    const { stdout: dump } = await run('pg_dump', ['--no-owner', t.config.databaseUrl as string], {
      maxBuffer: 256 * 1024 * 1024,
    });
    // The dump holds the customer (names are in clear, by design) ...
    expect(dump).toContain('Probe');
    expect(dump).toMatch(/COPY public\.customers /);
    expect(logged).toContain('/api/v2/customers?email=[redacted]');
    // ... and none of the encrypted fields, in any spelling.
    for (const value of FORBIDDEN) {
      expect(dump, `dump contains ${value}`).not.toContain(value);
      expect(logged, `log contains ${value}`).not.toContain(value);
    }
  });
});
