import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctxOf, failure } from '../../../test/helpers/service-context.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { AppError } from '../../platform/http/errors.ts';
import type { Person } from '../identity/index.ts';

/**
 * What holds time off to the balance and to the schedule when requests, approvals and
 * assignments arrive at once: the real services, on the real database, racing.
 */
describe('time off limits', () => {
  let t: TestApp;
  let admin: Person;
  let manager: Person;

  const agent = () => t.user({ role: 'agent', department: 'Limits' });
  const grant = (person: Person, requestType: string, days: number, year = 2027) =>
    t.services.timeoff.addLedgerEntry(ctxOf(admin), {
      userId: person.user.id,
      requestType,
      year,
      kind: 'accrual',
      days,
    });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.user({ role: 'admin' });
    manager = await t.user({ role: 'manager', department: 'Limits' });
    await t.services.timeoff.createPolicy(ctxOf(admin), { requestType: 'Annual', annualDays: 5 });
    await t.services.timeoff.createPolicy(ctxOf(admin), {
      requestType: 'Unpaid',
      allowNegativeBalance: true,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a request beyond the balance with a 400 that names both amounts', async () => {
    const person = await agent();
    await grant(person, 'Annual', 5);
    // Mon 1 - Mon 8 March 2027: six working days for five left.
    const tooMuch = await failure(
      t.services.timeoff.request(ctxOf(person), {
        requestType: 'Annual',
        startDate: '2027-03-01',
        endDate: '2027-03-08',
      }),
    );
    expect(tooMuch.code).toBe('WORKFORCE_INSUFFICIENT_BALANCE');
    expect(tooMuch.kind).toBe('invalid');
    expect(tooMuch.message).toBe('Not enough Annual left in 2027: 5 days available, 6 requested.');
    expect(tooMuch.extra).toEqual({ request_type: 'Annual', year: 2027, available: 5, requested: 6 });

    // Pending requests hold their days: five requested leave nothing for a sixth.
    const week = await t.services.timeoff.request(ctxOf(person), {
      requestType: 'Annual',
      startDate: '2027-03-01',
      endDate: '2027-03-05',
    });
    const more = await failure(
      t.services.timeoff.request(ctxOf(person), {
        requestType: 'Annual',
        startDate: '2027-03-15',
        endDate: '2027-03-15',
      }),
    );
    expect(more.message).toBe(
      'Not enough Annual left in 2027: 0 days available (5 remaining, 5 held by pending requests), 1 requested.',
    );
    expect(more.extra).toEqual({ request_type: 'Annual', year: 2027, available: 0, requested: 1 });
    // Growing a pending request is checked the same way, without counting it twice.
    const grown = await failure(t.services.timeoff.update(ctxOf(person), week.id, { endDate: '2027-03-08' }));
    expect(grown.extra).toEqual({ request_type: 'Annual', year: 2027, available: 5, requested: 6 });
    await t.services.timeoff.update(ctxOf(person), week.id, { endDate: '2027-03-04' });

    // Days withdrawn after the request are checked again on approval.
    await t.services.timeoff.addLedgerEntry(ctxOf(admin), {
      userId: person.user.id,
      requestType: 'Annual',
      year: 2027,
      kind: 'adjustment',
      days: -2,
    });
    const approval = await failure(t.services.timeoff.approve(ctxOf(manager), week.id));
    expect(approval.code).toBe('WORKFORCE_INSUFFICIENT_BALANCE');
    expect(approval.extra).toEqual({ request_type: 'Annual', year: 2027, available: 3, requested: 4 });
  });

  it('answers the refusal over HTTP as a 400, v1 and v2', async () => {
    const person = await agent();
    const browser = await t.login(person);
    const body = { request_type: 'Annual', start_date: '2027-04-05', end_date: '2027-04-05' };
    const v2 = await browser.post('/api/v2/time-off-requests', body);
    expect(v2.statusCode).toBe(400);
    expect(v2.json<{ detail: string }>().detail).toBe(
      'Not enough Annual left in 2027: 0 days available, 1 requested.',
    );
    const v1 = await browser.post('/api/time-off-requests/', body);
    expect(v1.statusCode).toBe(400);
  });

  it('lets a policy that allows a negative balance go below zero', async () => {
    const person = await agent();
    const unpaid = await t.services.timeoff.request(ctxOf(person), {
      requestType: 'Unpaid',
      startDate: '2027-05-03',
      endDate: '2027-05-07',
    });
    await t.services.timeoff.approve(ctxOf(manager), unpaid.id);
    const { balances } = await t.services.timeoff.balances(ctxOf(admin).actor, person.user.id, 2027);
    expect(balances.find((b) => b.requestType === 'Unpaid')).toMatchObject({ taken: 5, remaining: -5 });
    expect(
      (await t.services.timeoff.listPolicies()).map((p) => [p.requestType, p.allowNegativeBalance]),
    ).toEqual([
      ['Annual', false],
      ['Unpaid', true],
    ]);
  });

  it('lets only as many concurrent requests in as the balance holds', async () => {
    const person = await agent();
    await grant(person, 'Annual', 5);
    // Ten requests of three days each, on ten different weeks, all at once: only one fits.
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, index) => {
        const monday = new Date(Date.UTC(2027, 5, 7 + 7 * index)).toISOString().slice(0, 10);
        const wednesday = new Date(Date.UTC(2027, 5, 9 + 7 * index)).toISOString().slice(0, 10);
        return t.services.timeoff.request(ctxOf(person), {
          requestType: 'Annual',
          startDate: monday,
          endDate: wednesday,
        });
      }),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as AppError).code] : [])),
    ).toEqual(Array(9).fill('WORKFORCE_INSUFFICIENT_BALANCE'));
  });

  it('never lets an approval and a conflicting assignment both pass unaware of each other', async () => {
    for (let round = 0; round < 20; round += 1) {
      const person = await agent();
      await grant(person, 'Annual', 5);
      const day = new Date(Date.UTC(2027, 8, 6 + 7 * (round % 10))).toISOString().slice(0, 10);
      const request = await t.services.timeoff.request(ctxOf(person), {
        requestType: 'Annual',
        startDate: day,
        endDate: day,
      });
      const [approval, assignment] = await Promise.allSettled([
        t.services.timeoff.approve(ctxOf(manager), request.id),
        t.services.events.create(ctxOf(manager), {
          title: `Shift ${round}`,
          startsAt: new Date(`${day}T10:00:00Z`),
          endsAt: new Date(`${day}T14:00:00Z`),
          timeZone: 'UTC',
          assigneeIds: [person.user.id],
        }),
      ]);
      expect(approval.status).toBe('fulfilled');
      if (approval.status !== 'fulfilled') continue;
      if (assignment.status === 'fulfilled') {
        // The shift came first: the approval saw it and says it needs someone else.
        expect(approval.value.conflicts.map((conflict) => conflict.eventId)).toEqual([assignment.value.id]);
      } else {
        // The approval came first: the shift was refused for the time off.
        const error = assignment.reason as AppError;
        expect(error.code).toBe('WORKFORCE_CONFLICT');
        expect(error.extra?.conflicts).toEqual([
          expect.objectContaining({ kind: 'time_off', id: request.id }) as unknown,
        ]);
      }
    }
  });
});
