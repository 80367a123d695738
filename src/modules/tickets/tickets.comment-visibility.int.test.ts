import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type Browser, type TestApp } from '../../../test/helpers/app.ts';

/**
 * An internal note is for staff. A viewer, who gets no internal notes from the comments,
 * must not learn of one (its text, or that it exists) from any other view: the history,
 * exports, search. Staff see it everywhere.
 */

interface HistoryEntry {
  action: string;
  changes: Record<string, { from: unknown; to: unknown }>;
}

const SECRET = 'Vendor contract lapses Friday, xyzzyplugh';

describe('internal notes are seen only by those who see them in the comments', () => {
  let t: TestApp;
  let agent: Browser;
  let manager: Browser;
  let viewer: Browser;
  let ticketId: number;

  beforeAll(async () => {
    t = await createTestApp();
    agent = await t.login(await t.user({ role: 'agent', department: 'Ops' }));
    manager = await t.login(await t.user({ role: 'manager', department: 'Ops' }));
    viewer = await t.login(await t.user({ role: 'viewer', department: 'Ops' }));
    const created = await viewer.post('/api/v2/tickets', { kind: 'incident', title: 'Console dead' });
    expect(created.statusCode, created.body).toBe(201);
    ticketId = created.json<{ id: number }>().id;
    const shared = await agent.post(`/api/v2/tickets/${ticketId}/comments`, { body: 'On our way.' });
    expect(shared.statusCode, shared.body).toBe(201);
    const note = await agent.post(`/api/v2/tickets/${ticketId}/comments`, { body: SECRET, internal: true });
    expect(note.statusCode, note.body).toBe(201);
    // Deleting a note leaves an entry about it in the history too.
    const gone = await agent.post(`/api/v2/tickets/${ticketId}/comments`, {
      body: 'Internal: ignore the xyzzyplugh draft',
      internal: true,
    });
    const deleted = await agent.delete(
      `/api/v2/tickets/${ticketId}/comments/${gone.json<{ id: number }>().id}`,
    );
    expect(deleted.statusCode, deleted.body).toBe(204);
  });
  afterAll(async () => {
    await t.close();
  });

  const history = async (browser: Browser) => {
    const response = await browser.get(`/api/v2/tickets/${ticketId}/history`);
    expect(response.statusCode, response.body).toBe(200);
    return { entries: response.json<HistoryEntry[]>(), text: response.body };
  };

  it('a viewer: no internal note in the comments, and none in the history (neither text nor entry)', async () => {
    const comments = await viewer.get(`/api/v2/tickets/${ticketId}/comments`);
    expect(comments.json<{ body: string }[]>().map((comment) => comment.body)).toEqual(['On our way.']);

    const { entries, text } = await history(viewer);
    expect(text).not.toContain('xyzzyplugh');
    expect(entries.map((entry) => entry.action)).toEqual(['ticket.created', 'ticket.commented']);
    expect(entries[1]?.changes.body).toEqual({ from: null, to: 'On our way.' });
  });

  it('staff see the notes in the comments and the history', async () => {
    for (const browser of [agent, manager]) {
      const comments = await browser.get(`/api/v2/tickets/${ticketId}/comments`);
      expect(comments.json<{ body: string }[]>().map((comment) => comment.body)).toContain(SECRET);
      const { entries, text } = await history(browser);
      expect(text).toContain(SECRET);
      expect(entries.map((entry) => entry.action)).toEqual([
        'ticket.created',
        'ticket.commented',
        'ticket.commented',
        'ticket.commented',
        'ticket.comment_deleted',
      ]);
    }
  });

  it('a viewer finds the ticket by no word of a note, in v1 or v2 lists, JSON or exports', async () => {
    for (const url of [
      '/api/v2/tickets?search=xyzzyplugh',
      '/api/incident-tickets/?search=xyzzyplugh',
      '/api/v2/tickets?format=csv',
      '/api/v2/tickets?format=xml',
      '/api/incident-tickets/?format=csv',
    ]) {
      const response = await viewer.get(url);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      expect(response.body, url).not.toContain('xyzzyplugh');
    }
    const found = await viewer.get('/api/v2/tickets?search=console');
    expect(found.json<{ data: { id: number }[] }>().data.map((row) => row.id)).toContain(ticketId);
  });
});
