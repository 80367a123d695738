import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestApp, PASSWORD, type TestApp } from '../../../test/helpers/app.ts';
import { startSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp.ts';
import { runDueJobs } from '../../platform/jobs/worker.ts';
import { createAccountJobs } from './identity.jobs.account.ts';

const STRONG = 'violet-kettle-harbour';
const STRONGER = 'amber-lighthouse-orchid';
const quiet = pino({ level: 'silent' });

type Problem = { status: number; code: string; errors?: { field: string; message: string }[] };

describe('passwords and e-mail addresses', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: Browser;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://opsdesk.example.test' });
    admin = await t.login(await t.user({ role: 'admin' }));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  /** What the job worker does: the queued account mails go out over SMTP. */
  const runJobs = () =>
    runDueJobs({
      pool: t.database.pool,
      jobs: createAccountJobs({ db: t.database.db, identity: t.services.identity }),
      log: quiet,
    });

  const mailsTo = (address: string) => smtp.received.filter((mail) => mail.to.includes(address));
  const codeIn = (body: string) => /^ {4}([A-Za-z0-9_-]{43})\r?$/m.exec(body)?.[1];
  /** Each field's first message. */
  const fieldsOf = (body: Problem) =>
    Object.fromEntries([...(body.errors ?? [])].reverse().map((error) => [error.field, error.message]));
  const anonymous = () => new Browser(t.app);

  describe('policy: 12 to 128 characters, not easy to guess', () => {
    it('refuses weak passwords on create with zxcvbn feedback, in v2 problems and DRF-shaped v1 errors', async () => {
      const v2 = await admin.post('/api/v2/users', {
        username: 'weakling',
        email: 'w@example.test',
        password: 'password1234',
      });
      expect(v2.statusCode).toBe(400);
      expect(fieldsOf(v2.json<Problem>()).password).toBe(
        'This password is too easy to guess. This is similar to a commonly used password.',
      );

      const v1 = await admin.post('/api/profiles/', {
        username: 'weakling',
        email: 'w@example.test',
        password: 'short',
      });
      expect(v1.statusCode).toBe(400);
      expect(v1.json()).toEqual({
        password: ['This password is too short. It must contain at least 12 characters.'],
      });

      const own = await admin.post('/api/profiles/', {
        username: 'marigold.fenwick',
        email: 'x@example.test',
        password: 'marigold.fenwick',
      });
      expect(own.statusCode).toBe(400);
      expect(Object.keys(own.json())).toEqual(['password']);

      const tooLong = await admin.post('/api/v2/users', {
        email: 'l@example.test',
        password: 'x'.repeat(129),
      });
      expect(tooLong.statusCode).toBe(400);

      expect(
        (await admin.post('/api/v2/users', { email: 'ok@example.test', password: STRONG })).statusCode,
      ).toBe(201);
    });

    it('refuses a weak password set by an administrator; a good one ends the sessions and tokens (audited)', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      const { token } = (await browser.post('/api/v2/tokens', { name: 'script' })).json<{ token: string }>();
      const url = `/api/v2/users/${person.user.id}`;
      expect((await admin.patch(url, { password: 'qwertyuiop12' }, { 'if-match': '*' })).statusCode).toBe(
        400,
      );
      expect((await admin.patch(url, { password: STRONG }, { 'if-match': '*' })).statusCode).toBe(200);
      expect((await browser.get('/api/v2/me')).statusCode).toBe(401);
      expect(
        (await t.app.inject({ url: '/api/v2/me', headers: { authorization: `Token ${token}` } })).statusCode,
      ).toBe(401);
      const trail = await t.services.audit.historyOf('user', person.user.id);
      expect(trail.find((entry) => entry.action === 'user.password_set')?.after).toEqual({
        sessions: 1,
        tokens: 1,
        codes: 0,
        apiKeys: 0,
        refreshFamilies: 0,
      });
    });

    it('sends people to /me for their own password and e-mail; an unchanged e-mail in a whole-record update passes', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      const url = `/api/v2/users/${person.user.id}`;
      const password = await browser.patch(url, { password: STRONG }, { 'if-match': '*' });
      expect(password.statusCode).toBe(400);
      expect(fieldsOf(password.json<Problem>()).password).toMatch(/POST \/api\/v2\/me\/password/);
      const email = await browser.patch(url, { email: 'elsewhere@example.test' }, { 'if-match': '*' });
      expect(fieldsOf(email.json<Problem>()).email).toMatch(/POST \/api\/v2\/me\/email/);
      const same = await browser.patch(
        url,
        { email: person.user.email.toUpperCase(), phone: '123' },
        { 'if-match': '*' },
      );
      expect(same.statusCode).toBe(200);
    });
  });

  describe('POST /api/v2/me/password', () => {
    it('needs the current password, judges the new one, and ends the other sessions and the tokens', async () => {
      const person = await t.user();
      const current = await t.login(person);
      const other = await t.login(person);
      const { token } = (await current.post('/api/v2/tokens', { name: 'script' })).json<{ token: string }>();

      const wrong = await current.post('/api/v2/me/password', {
        current_password: 'wrong-password-here',
        new_password: STRONG,
      });
      expect(wrong.statusCode).toBe(400);
      expect(fieldsOf(wrong.json<Problem>())).toEqual({
        current_password: 'Your current password is not correct.',
      });
      const weak = await current.post('/api/v2/me/password', {
        current_password: PASSWORD,
        new_password: 'password1234',
      });
      expect(Object.keys(fieldsOf(weak.json<Problem>()))).toEqual(['new_password']);

      expect(
        (await current.post('/api/v2/me/password', { current_password: PASSWORD, new_password: STRONG }))
          .statusCode,
      ).toBe(204);
      expect((await current.get('/api/v2/me')).statusCode).toBe(200);
      expect((await other.get('/api/v2/me')).statusCode).toBe(401);
      expect(
        (await t.app.inject({ url: '/api/v2/me', headers: { authorization: `Token ${token}` } })).statusCode,
      ).toBe(401);
      await expect(t.login(person)).rejects.toThrow(/401/);
      await t.login(person, STRONG);
      const trail = await t.services.audit.historyOf('user', person.user.id);
      expect(trail.map((entry) => entry.action)).toContain('user.password_changed');
    });

    it('counts wrong current passwords towards the lockout', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      for (let guess = 1; guess <= 5; guess++)
        await browser.post('/api/v2/me/password', {
          current_password: `guess-number-${guess}`,
          new_password: STRONG,
        });
      const locked = await browser.post('/api/v2/me/password', {
        current_password: PASSWORD,
        new_password: STRONG,
      });
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('password reset by a mailed code', () => {
    const ask = (email: string) => anonymous().post('/api/v2/auth/password-reset', { email });
    const confirm = (token: string, password: string) =>
      anonymous().post('/api/v2/auth/password-reset/confirm', { token, password });

    it('answers a known and an unknown address alike, queueing the same work for both', async () => {
      const person = await t.user();
      const queued = async () =>
        (
          await t.database.db.execute<{ count: number }>(
            sql`select count(*)::int as count from graphile_worker.jobs`,
          )
        ).rows[0]!.count;
      const before = await queued();
      const known = await ask(person.user.email);
      const unknown = await ask('nobody-here@example.test');
      expect(await queued()).toBe(before + 2);
      expect(known.statusCode).toBe(202);
      const comparable = (response: typeof known) => {
        const { date: _date, 'x-request-id': _id, ...headers } = response.headers;
        return { status: response.statusCode, body: response.body, headers };
      };
      expect(comparable(unknown)).toEqual(comparable(known));
      await runJobs();
    });

    it('works end to end over SMTP: the code sets a new password once, and ends every session', async () => {
      const person = await t.user();
      const session = await t.login(person);
      smtp.received.length = 0;
      expect((await ask(person.user.email.toUpperCase())).statusCode).toBe(202);
      expect((await ask('nobody-here@example.test')).statusCode).toBe(202);
      await runJobs();

      expect(smtp.received).toHaveLength(1);
      const [mail] = mailsTo(person.user.email);
      expect(mail?.headers.subject).toBe('Reset your Opsdesk password');
      expect(mail?.body).toContain('https://opsdesk.example.test/api/v2/auth/password-reset/confirm');
      const code = codeIn(mail!.body)!;
      expect(code).toBeDefined();

      // Someone else's guessing has locked the name meanwhile.
      for (let guess = 1; guess <= 5; guess++)
        await t.login(person, `guess-number-${guess}`).catch(() => undefined);
      await expect(t.login(person)).rejects.toThrow(/429/);

      // A weak password is refused and leaves the code usable.
      expect((await confirm(code, 'password1234')).statusCode).toBe(400);
      const done = await confirm(code, STRONG);
      expect(done.statusCode).toBe(200);
      expect((await session.get('/api/v2/me')).statusCode).toBe(401);
      // The reset proved the mailbox: the lock is lifted too.
      await t.login(person, STRONG);

      const again = await confirm(code, STRONGER);
      expect(again.statusCode).toBe(400);
      expect(again.json<Problem>().code).toBe('IDENTITY_ACCOUNT_TOKEN_INVALID');
      const actions = (await t.services.audit.historyOf('user', person.user.id)).map((entry) => entry.action);
      expect(actions).toEqual(
        expect.arrayContaining(['user.password_reset_requested', 'user.password_reset']),
      );
    });

    it('voids every other outstanding code of the user once one is used', async () => {
      const person = await t.user();
      smtp.received.length = 0;
      await ask(person.user.email);
      await ask(person.user.email);
      await runJobs();
      const [first, second] = mailsTo(person.user.email).map((mail) => codeIn(mail.body)!);
      expect(first).not.toBe(second);
      expect((await confirm(first!, STRONG)).statusCode).toBe(200);
      expect((await confirm(second!, STRONGER)).statusCode).toBe(400);
    });

    it('refuses an expired code', async () => {
      const person = await t.user();
      smtp.received.length = 0;
      await ask(person.user.email);
      await runJobs();
      const code = codeIn(mailsTo(person.user.email)[0]!.body)!;
      await t.database.db.execute(
        sql`update account_tokens set expires_at = now() - interval '1 second' where user_id = ${person.user.id}`,
      );
      expect((await confirm(code, STRONG)).statusCode).toBe(400);
      await t.login(person);
    });

    it('mails nothing for an inactive account', async () => {
      const person = await t.user({ isActive: false });
      smtp.received.length = 0;
      expect((await ask(person.user.email)).statusCode).toBe(202);
      await runJobs();
      expect(smtp.received).toHaveLength(0);
    });
  });

  describe('e-mail change confirmed from the new address', () => {
    it('needs the password, mails the new address, and applies it with the owner’s code once', async () => {
      const person = await t.user();
      const browser = await t.login(person);
      const stranger = await t.login(await t.user());
      const wrong = await browser.post('/api/v2/me/email', {
        email: 'new-home@example.test',
        current_password: 'not-it-at-all',
      });
      expect(wrong.statusCode).toBe(400);
      smtp.received.length = 0;
      const asked = await browser.post('/api/v2/me/email', {
        email: 'new-home@example.test',
        current_password: PASSWORD,
      });
      expect(asked.statusCode).toBe(202);
      await runJobs();
      expect(mailsTo(person.user.email)).toHaveLength(0);
      const [mail] = mailsTo('new-home@example.test');
      expect(mail?.headers.subject).toBe('Confirm your new Opsdesk e-mail address');
      const code = codeIn(mail!.body)!;

      expect((await stranger.post('/api/v2/me/email/confirm', { token: code })).statusCode).toBe(400);
      const confirmed = await browser.post('/api/v2/me/email/confirm', { token: code });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json()).toMatchObject({ email: 'new-home@example.test' });
      expect((await browser.post('/api/v2/me/email/confirm', { token: code })).statusCode).toBe(400);
      const changed = (await t.services.audit.historyOf('user', person.user.id)).find(
        (entry) => entry.action === 'user.email_changed',
      );
      expect(changed).toMatchObject({
        before: { email: person.user.email },
        after: { email: 'new-home@example.test' },
      });
    });
  });
});
