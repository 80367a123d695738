/**
 * The routed-create scenario's setup, through the API and idempotent (the data is
 * reused between runs): an office calendar, an SLA policy for low-priority tickets on
 * it, an assignment role of ten agents and a published default workflow for service
 * requests. Incidents and other priorities stay unrouted, so the plain create scenario
 * keeps measuring the bare write.
 */
import type pg from 'pg';
import { expectOk } from './server.ts';

interface Named {
  id: number;
  name: string;
}

const NAMES = {
  calendar: 'Bench office',
  policy: 'Bench low priority',
  role: 'Bench desk',
  workflow: 'Bench service requests',
};

export async function ensureServiceDesk(
  baseUrl: string,
  headers: Record<string, string>,
  pool: pg.Pool,
): Promise<void> {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> =>
    expectOk(
      await fetch(`${baseUrl}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      `${method} ${path}`,
    );
  const find = async (path: string, name: string) =>
    ((await call('GET', `${path}?limit=100`)) as { data: Named[] }).data.find((item) => item.name === name);
  const ensure = async (path: string, body: { name: string } & Record<string, unknown>) =>
    (await find(path, body.name)) ?? ((await call('POST', path, body)) as Named);

  const nineToFive = [{ start: '09:00', end: '17:00' }];
  const calendar = await ensure('/api/v2/calendars', {
    name: NAMES.calendar,
    time_zone: 'Europe/Berlin',
    weekly: { 1: nineToFive, 2: nineToFive, 3: nineToFive, 4: nineToFive, 5: nineToFive },
  });
  await ensure('/api/v2/sla-policies', {
    name: NAMES.policy,
    priority: 'low',
    calendar_id: calendar.id,
    first_response_minutes: 240,
    resolution_minutes: 960,
    escalation_levels: [{ after_percent: 100, raise_priority: true }],
  });
  const role = await ensure('/api/v2/assignment-roles', { name: NAMES.role });
  const { rows } = await pool.query<{ id: number }>(
    "SELECT id FROM users WHERE role = 'agent' AND is_active ORDER BY id LIMIT 10",
  );
  await call('POST', `/api/v2/assignment-roles/${role.id}/members`, { user_ids: rows.map((row) => row.id) });
  const workflow = await ensure('/api/v2/workflows', {
    name: NAMES.workflow,
    kind: 'service',
    is_default: true,
  });
  const current = (await call('GET', `/api/v2/workflows/${workflow.id}`)) as { published_version: unknown };
  if (current.published_version !== null) return;
  const draft = (await call('POST', `/api/v2/workflows/${workflow.id}/versions`, {
    definition: {
      steps: [
        { key: 'new', name: 'New', status: 'open', role_id: role.id, sla_weight: 1, start: true },
        { key: 'doing', name: 'In progress', status: 'in_progress', role_id: role.id, sla_weight: 3 },
        { key: 'done', name: 'Completed', status: 'completed' },
      ],
      transitions: [
        { action: 'take', from: 'new', to: 'doing' },
        { action: 'complete', from: 'doing', to: 'done' },
      ],
    },
  })) as { number: number };
  await call('POST', `/api/v2/workflows/${workflow.id}/versions/${draft.number}/publish`);
}
