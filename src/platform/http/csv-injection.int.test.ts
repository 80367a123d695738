import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

/**
 * CSV exports never hand a spreadsheet a live formula (OWASP "CSV Injection"): text
 * that starts with =, +, -, @, tab or CR is exported with a leading single quote, in
 * every export, v1 and v2, whatever the module.
 */

let t: TestApp;
let admin: Browser;

const HYPERLINK = '=HYPERLINK("http://evil.test","click")';
/** One text per character a spreadsheet reads as the start of a formula. */
const DANGEROUS = [
  HYPERLINK,
  '+1+cmd|" /C calc"!A0',
  '-2+3+cmd|" /C calc"!A0',
  '@SUM(1+1)*cmd|" /C calc"!A0',
  '\t=1+1 after a tab',
  '\r=1+1 after a carriage return',
];

/** Rows of a CSV body as objects keyed by the header row. */
const rowsOf = (body: string) =>
  parseCsv(body, { columns: true, relax_column_count: false }) as Record<string, string>[];

beforeAll(async () => {
  t = await createTestApp();
  const person = await t.user({ role: 'admin' });
  admin = await t.login(person);
});

afterAll(async () => {
  await t.close();
});

describe('CSV formula injection', () => {
  const titles = new Map<number, string>();

  beforeAll(async () => {
    for (const title of DANGEROUS) {
      const response = await admin.post('/api/v2/tickets', {
        kind: 'incident',
        title,
        description: 'exported',
        priority: 'low',
      });
      expect(response.statusCode, response.body).toBe(201);
      const created = response.json<{ id: number; title: string }>();
      titles.set(created.id, created.title);
    }
    // Every dangerous start survives storage, so the exports below see it.
    expect([...titles.values()].map((title) => title[0])).toEqual(['=', '+', '-', '@', '\t', '\r']);
  });

  const expectNeutralised = (rows: Record<string, string>[], column: string) => {
    for (const [id, title] of titles) {
      const row = rows.find((candidate) => candidate.id === String(id));
      expect(row, `ticket ${id} exported`).toBeDefined();
      expect(row?.[column]).toBe(`'${title}`);
    }
  };

  it('v1 ?format=csv prefixes the title with a quote, keeping the text intact', async () => {
    const response = await admin.get('/api/incident-tickets/?format=csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expectNeutralised(rowsOf(response.body), 'title');
  });

  it('v2 CSV (Accept: text/csv) prefixes the title the same way', async () => {
    const response = await admin.get('/api/v2/tickets', { accept: 'text/csv' });
    expect(response.statusCode).toBe(200);
    expectNeutralised(rowsOf(response.body), 'title');
  });

  it('leaves numeric columns as plain numbers', async () => {
    const response = await admin.get('/api/incident-tickets/?format=csv');
    const rows = rowsOf(response.body);
    expect(rows.length).toBeGreaterThanOrEqual(DANGEROUS.length);
    for (const row of rows) expect(row.id).toMatch(/^\d+$/);
  });

  it('holds for other modules too: workflows and assignment roles', async () => {
    const workflow = await admin.post('/api/v2/workflows', { name: HYPERLINK, kind: 'incident' });
    expect(workflow.statusCode, workflow.body).toBe(201);
    const role = await admin.post('/api/v2/assignment-roles', { name: '@SUM(1+1)' });
    expect(role.statusCode, role.body).toBe(201);

    const workflows = rowsOf((await admin.get('/api/v2/workflows?format=csv')).body);
    expect(workflows.map((row) => row.name)).toContain(`'${HYPERLINK}`);
    const roles = rowsOf((await admin.get('/api/v2/assignment-roles?format=csv')).body);
    expect(roles.map((row) => row.name)).toContain(`'@SUM(1+1)`);
  });
});
