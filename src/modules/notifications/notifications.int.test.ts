import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp.ts';
import type { Executor } from '../../platform/db/client.ts';
import { createMailer } from '../../platform/mail/index.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { createBusinessCalendar } from '../calendars/index.ts';
import type { Person } from '../identity/index.ts';
import { createNotificationsJobs, createNotificationsService, type Notification } from './index.ts';

interface NotificationV2 {
  id: number;
  kind: string;
  title: string;
  read: boolean;
  read_at: string | null;
  email_state: string;
}
interface Page {
  data: NotificationV2[];
  next_cursor: string | null;
  has_more: boolean;
}

const nineToFive = [{ start: '09:00', end: '17:00' }];
const berlinOffice = createBusinessCalendar({
  timeZone: 'Europe/Berlin',
  weekly: { '1': nineToFive, '2': nineToFive, '3': nineToFive, '4': nineToFive, '5': nineToFive },
});
// Saturday 4 April 2026, noon in Berlin (CEST, UTC+2); the office opens Monday 09:00 = 07:00Z.
const SATURDAY = new Date('2026-04-04T10:00:00Z');
const MONDAY_OPENING = new Date('2026-04-06T07:00:00Z');
const quiet = pino({ level: 'silent' });

describe('notifications', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let mailDir: string;

  beforeAll(async () => {
    t = await createTestApp();
    smtp = await startSmtpServer();
    mailDir = await fs.mkdtemp(path.join(os.tmpdir(), 'opsdesk-notifications-'));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
    await fs.rm(mailDir, { recursive: true, force: true });
  });

  /** The queued e-mail jobs of these notifications (graphile-worker 0.16: payloads live in _private_jobs). */
  async function emailJobs(notificationIds: number[]) {
    const result = await t.database.db.execute<{
      notification_id: number;
      run_at: string;
      attempts: number;
      max_attempts: number;
    }>(sql`
      select (j.payload->>'notification_id')::int as notification_id, j.run_at, j.attempts, j.max_attempts
        from graphile_worker._private_jobs j
        join graphile_worker._private_tasks task on task.id = j.task_id
       where task.identifier = 'notifications.send-email'
         and (j.payload->>'notification_id')::int = any(${`{${notificationIds.join(',')}}`}::int[])
       order by 1`);
    return result.rows.map((row) => ({ ...row, run_at: new Date(row.run_at) }));
  }

  async function rowsOf(person: Person): Promise<Notification[]> {
    const result = await t.database.db.query.notifications.findMany({
      where: (table, { eq }) => eq(table.userId, person.user.id),
      orderBy: (table, { asc }) => asc(table.id),
    });
    return result;
  }

  const notifyCommitted = (input: Parameters<TestApp['services']['notifications']['notify']>[1]) =>
    t.database.db.transaction((tx) => t.services.notifications.notify(tx, input));

  describe('notify, in the caller’s transaction', () => {
    it('leaves neither rows nor jobs when the caller rolls back', async () => {
      const person = await t.user();
      let ids: number[] = [];
      await expect(
        t.database.db.transaction(async (tx) => {
          const rows = await t.services.notifications.notify(tx, {
            userIds: [person.user.id],
            kind: 'test.rolled_back',
            title: 'Never happened',
            body: '',
          });
          ids = rows.map((row) => row.id);
          expect(ids).toHaveLength(1);
          throw new Error('caller failed');
        }),
      ).rejects.toThrow('caller failed');
      expect(await rowsOf(person)).toEqual([]);
      expect(await emailJobs(ids)).toEqual([]);
    });

    it('commits one row and one e-mail job per distinct recipient', async () => {
      const [ada, bob] = [await t.user(), await t.user()];
      const rows = await notifyCommitted({
        userIds: [ada.user.id, bob.user.id, ada.user.id],
        kind: 'ticket.assigned',
        title: 'Assigned to you: printer on fire',
        body: 'Ticket #7 was assigned to you.',
        ticketId: 7,
        data: { reason: 'round robin' },
      });
      expect(rows.map((row) => row.userId)).toEqual([ada.user.id, bob.user.id]);
      for (const person of [ada, bob]) {
        const [row] = await rowsOf(person);
        expect(row).toMatchObject({
          kind: 'ticket.assigned',
          ticketId: 7,
          data: { reason: 'round robin' },
          readAt: null,
          emailState: 'scheduled',
        });
        expect(Math.abs(row!.emailAt!.getTime() - Date.now())).toBeLessThan(60_000);
      }
      const jobs = await emailJobs(rows.map((row) => row.id));
      expect(jobs.map((job) => job.notification_id)).toEqual(rows.map((row) => row.id));
      expect(jobs.every((job) => job.max_attempts === 10)).toBe(true);
    });

    it('queues no e-mail when asked for none, and does nothing for nobody', async () => {
      const person = await t.user();
      const rows = await notifyCommitted({
        userIds: [person.user.id],
        kind: 'ticket.assigned',
        title: 'In-app only',
        body: '',
        email: false,
      });
      expect(rows[0]).toMatchObject({ emailState: 'none', emailAt: null });
      expect(await emailJobs(rows.map((row) => row.id))).toEqual([]);
      expect(await notifyCommitted({ userIds: [], kind: 'x', title: 'x', body: '' })).toEqual([]);
    });
  });

  describe('working hours', () => {
    it('holds the e-mail until the recipient’s calendar opens, unless urgent; no calendar means any time', async () => {
      const [held, free] = [await t.user(), await t.user()];
      const executors: Executor[] = [];
      const notifications = createNotificationsService({
        db: t.database.db,
        workingCalendarOf: (userId, executor) => {
          executors.push(executor);
          return Promise.resolve(userId === held.user.id ? berlinOffice : null);
        },
        now: () => SATURDAY,
      });
      const input = {
        userIds: [held.user.id, free.user.id],
        kind: 'sla.at_risk',
        title: 'At risk',
        body: '',
      };

      let transaction: Executor | undefined;
      const normal = await t.database.db.transaction((tx) => {
        transaction = tx;
        return notifications.notify(tx, input);
      });
      // The calendar was read through the caller's transaction, never through the pool.
      expect(executors).toHaveLength(2);
      expect(executors.every((executor) => executor === transaction)).toBe(true);
      const [heldRow, freeRow] = normal;
      expect(heldRow).toMatchObject({
        userId: held.user.id,
        emailState: 'scheduled',
        emailAt: MONDAY_OPENING,
      });
      expect(freeRow).toMatchObject({ userId: free.user.id, emailState: 'scheduled', emailAt: SATURDAY });
      const [heldJob, freeJob] = await emailJobs([heldRow!.id, freeRow!.id]);
      expect(heldJob?.run_at).toEqual(MONDAY_OPENING);
      // Not held: the job runs at the database's now, whatever the service's clock says.
      expect(Math.abs(freeJob!.run_at.getTime() - Date.now())).toBeLessThan(60_000);

      const [urgent] = await t.database.db.transaction((tx) =>
        notifications.notify(tx, { ...input, userIds: [held.user.id], urgent: true }),
      );
      expect(urgent).toMatchObject({ emailState: 'scheduled', emailAt: SATURDAY });
      const [urgentJob] = await emailJobs([urgent!.id]);
      expect(Math.abs(urgentJob!.run_at.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('sends at once while the calendar is open', async () => {
      const person = await t.user();
      const mondayMorning = new Date('2026-04-06T08:30:00Z');
      const notifications = createNotificationsService({
        db: t.database.db,
        workingCalendarOf: () => Promise.resolve(berlinOffice),
        now: () => mondayMorning,
      });
      const [row] = await t.database.db.transaction((tx) =>
        notifications.notify(tx, { userIds: [person.user.id], kind: 'sla.at_risk', title: 'x', body: '' }),
      );
      expect(row?.emailAt).toEqual(mondayMorning);
    });
  });

  describe('the e-mail job, through graphile-worker to a real SMTP server', () => {
    const jobsWith = () =>
      createNotificationsJobs({
        db: t.database.db,
        identity: t.services.identity,
        mailer: createMailer({
          smtpUrl: smtp.url,
          from: 'Opsdesk <opsdesk@example.test>',
          dataDir: mailDir,
          log: quiet,
        }),
      });
    const runJobs = () => runDueJobs({ pool: t.database.pool, jobs: jobsWith(), log: quiet });
    const mailTo = (person: Person) => smtp.received.filter((mail) => mail.to.includes(person.user.email));

    it('mails an active person, records sent, and skips an inactive one', async () => {
      const [active, inactive] = [await t.user(), await t.user({ isActive: false })];
      const rows = await notifyCommitted({
        userIds: [active.user.id, inactive.user.id],
        kind: 'sla.breached',
        title: 'SLA breached: printer on fire',
        body: 'The resolution target of ticket #42 has passed.',
        ticketId: 42,
        urgent: true,
      });
      await runJobs();

      const [mail] = mailTo(active);
      expect(mailTo(active)).toHaveLength(1);
      expect(mail?.headers.subject).toBe('SLA breached: printer on fire');
      expect(mail?.headers.from).toBe('Opsdesk <opsdesk@example.test>');
      expect(mail?.body).toContain('The resolution target of ticket #42 has passed.');
      expect(mail?.body).toContain('/api/v2/tickets/42');
      expect(mailTo(inactive)).toHaveLength(0);

      const [sent] = await rowsOf(active);
      expect(sent?.emailState).toBe('sent');
      expect((await rowsOf(inactive))[0]?.emailState).toBe('none');
      expect(await emailJobs(rows.map((row) => row.id))).toEqual([]);
    });

    it('leaves a failed send to graphile-worker’s retries and records failed after the last attempt', async () => {
      const person = await t.user();
      const [row] = await notifyCommitted({
        userIds: [person.user.id],
        kind: 'sla.breached',
        title: 'Refused',
        body: '',
        urgent: true,
      });
      smtp.refuse = true;
      try {
        await runJobs();
        expect((await rowsOf(person))[0]?.emailState).toBe('scheduled');
        const [retry] = await emailJobs([row!.id]);
        expect(retry?.attempts).toBe(1);
        expect(retry!.run_at.getTime()).toBeGreaterThan(Date.now());

        // Fast-forward to the last attempt.
        await t.database.db.execute(sql`
          update graphile_worker._private_jobs set attempts = max_attempts - 1, run_at = now()
           where (payload->>'notification_id')::int = ${row!.id}`);
        await runJobs();
      } finally {
        smtp.refuse = false;
      }
      expect((await rowsOf(person))[0]?.emailState).toBe('failed');
      expect(mailTo(person)).toHaveLength(0);
    });
  });

  describe('routes (v2)', () => {
    it('shows a person their own notifications only, and counts and marks them read', async () => {
      const [me, someoneElse] = [await t.user({ role: 'viewer' }), await t.user()];
      const mine = await notifyCommitted({ userIds: [me.user.id], kind: 'k.one', title: 'First', body: '' });
      mine.push(
        ...(await notifyCommitted({ userIds: [me.user.id], kind: 'k.two', title: 'Second', body: '' })),
      );
      mine.push(
        ...(await notifyCommitted({ userIds: [me.user.id], kind: 'k.three', title: 'Third', body: '' })),
      );
      const [theirs] = await notifyCommitted({
        userIds: [someoneElse.user.id],
        kind: 'k',
        title: 'Not yours',
        body: '',
      });
      const browser = await t.login(me);

      const list = await browser.get('/api/v2/notifications');
      expect(list.statusCode).toBe(200);
      expect(list.json<Page>().data.map((n) => n.title)).toEqual(['Third', 'Second', 'First']);

      const first = await browser.get('/api/v2/notifications?limit=2');
      const firstPage = first.json<Page>();
      expect(firstPage).toMatchObject({ has_more: true });
      expect(firstPage.data.map((n) => n.title)).toEqual(['Third', 'Second']);
      const second = await browser.get(`/api/v2/notifications?limit=2&cursor=${firstPage.next_cursor!}`);
      expect(second.json<Page>()).toMatchObject({ has_more: false, next_cursor: null });
      expect(second.json<Page>().data.map((n) => n.title)).toEqual(['First']);

      expect((await browser.get('/api/v2/notifications/unread-count')).json()).toEqual({ count: 3 });

      const read = await browser.post(`/api/v2/notifications/${mine[1]!.id}/read`);
      expect(read.statusCode).toBe(200);
      const readBody = read.json<NotificationV2>();
      expect(readBody).toMatchObject({ id: mine[1]!.id, title: 'Second', read: true });
      expect(readBody.read_at).not.toBeNull();
      // Again: still read, at the first time.
      const again = await browser.post(`/api/v2/notifications/${mine[1]!.id}/read`);
      expect(again.json<NotificationV2>().read_at).toBe(readBody.read_at);

      expect((await browser.get('/api/v2/notifications/unread-count')).json()).toEqual({ count: 2 });
      const unread = await browser.get('/api/v2/notifications?unread=true');
      expect(unread.json<Page>().data.map((n) => n.title)).toEqual(['Third', 'First']);
      const alreadyRead = await browser.get('/api/v2/notifications?unread=false');
      expect(alreadyRead.json<Page>().data.map((n) => n.title)).toEqual(['Second']);

      const notMine = await browser.post(`/api/v2/notifications/${theirs!.id}/read`);
      expect(notMine.statusCode).toBe(404);
      expect(notMine.json()).toMatchObject({ code: 'NOTIFICATIONS_NOT_FOUND' });
      expect((await rowsOf(someoneElse))[0]?.readAt).toBeNull();

      const all = await browser.post('/api/v2/notifications/read-all');
      expect(all.statusCode).toBe(200);
      expect(all.json()).toEqual({ marked: 2 });
      expect((await browser.post('/api/v2/notifications/read-all')).json()).toEqual({ marked: 0 });
      expect((await browser.get('/api/v2/notifications/unread-count')).json()).toEqual({ count: 0 });
      expect((await rowsOf(someoneElse))[0]?.readAt).toBeNull();
    });

    it('exports the list as CSV', async () => {
      const me = await t.user();
      await notifyCommitted({
        userIds: [me.user.id],
        kind: 'k.csv',
        title: 'In a file',
        body: 'b',
        data: { a: 1 },
      });
      const browser = await t.login(me);
      const csv = await browser.get('/api/v2/notifications?format=csv');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      const [header, line] = csv.body.trim().split('\n');
      expect(header).toBe('id,kind,title,body,ticket_id,data,read,read_at,email_state,email_at,created_at');
      expect(line).toContain('k.csv,In a file,b,,"{""a"":1}",false');
    });

    it('answers 401 without a login and 400 for an unknown filter', async () => {
      const anonymous = await t.app.inject({ method: 'GET', url: '/api/v2/notifications' });
      expect(anonymous.statusCode).toBe(401);
      const count = await t.app.inject({ method: 'GET', url: '/api/v2/notifications/unread-count' });
      expect(count.statusCode).toBe(401);
      const browser = await t.login(await t.user());
      expect((await browser.get('/api/v2/notifications?unread=maybe')).statusCode).toBe(400);
    });
  });
});
