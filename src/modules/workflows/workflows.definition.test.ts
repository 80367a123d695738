import { describe, expect, it } from 'vitest';
import { allowedTransitions, type TicketStatus } from '../tickets/index.ts';
import { checkDefinition, type WorkflowDefinition } from './workflows.definition.ts';
import { matchWorkflow, type Candidate } from './workflows.match.ts';
import type { Workflow } from './workflows.tables.ts';

const options = {
  kind: 'incident' as const,
  roleExists: (id: number) => id === 1,
  allowedMove: (kind: 'incident' | 'service', from: string, to: string) =>
    allowedTransitions(kind, from as TicketStatus).includes(to as TicketStatus),
};

const valid: WorkflowDefinition = {
  steps: [
    { key: 'triage', name: 'Triage', status: 'open', role_id: 1, start: true },
    { key: 'fixing', name: 'Fixing', status: 'in_progress' },
    { key: 'done', name: 'Done', status: 'resolved' },
  ],
  transitions: [
    { action: 'start', from: 'triage', to: 'fixing' },
    { action: 'resolve', from: 'fixing', to: 'done' },
  ],
};

describe('publishing a workflow definition', () => {
  it('accepts a reachable, well-formed workflow', () => {
    expect(checkDefinition(valid, options)).toEqual([]);
  });

  it('names every problem by path', () => {
    const problems = checkDefinition(
      {
        steps: [...valid.steps, { key: 'limbo', name: 'Limbo', status: 'in_progress', role_id: 9 }],
        transitions: [...valid.transitions, { action: 'jump', from: 'triage', to: 'nowhere' }],
      },
      options,
    );
    expect(problems.map((problem) => problem.path).sort()).toEqual([
      'steps.3',
      'steps.3',
      'steps.3.role_id',
      'transitions.2.to',
    ]);
  });

  it('refuses a step that is neither an end nor left by any transition', () => {
    const problems = checkDefinition(
      { ...valid, transitions: [{ action: 'start', from: 'triage', to: 'fixing' }] },
      options,
    );
    expect(problems).toContainEqual({
      path: 'steps.1',
      message: 'Step "fixing" is not an end, yet no transition leaves it: tickets would be stuck there.',
    });
  });
});

const workflow = (over: Partial<Workflow>): Workflow => ({
  id: 1,
  name: 'w',
  description: '',
  kind: 'incident',
  categoryId: null,
  subcategoryId: null,
  departmentId: null,
  priority: null,
  isDefault: false,
  isActive: true,
  publishedVersionId: 1,
  version: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...over,
});
const candidate = (over: Partial<Workflow>, publishedAt = new Date(0)): Candidate => ({
  workflow: workflow(over),
  version: { id: over.id ?? 1, number: 1, publishedAt, definition: valid },
});

describe('matching a ticket to a workflow', () => {
  const ticket = {
    kind: 'incident' as const,
    categoryId: 1,
    subcategoryId: 2,
    departmentId: 3,
    priority: 'high',
  };

  it('follows the fallback levels: exact, without priority, category and department, default', () => {
    const all = [
      candidate({ id: 1, name: 'default', isDefault: true }),
      candidate({ id: 2, name: 'cat+dept', categoryId: 1, departmentId: 3 }),
      candidate({ id: 3, name: 'no priority', categoryId: 1, subcategoryId: 2, departmentId: 3 }),
      candidate({ id: 4, name: 'exact', categoryId: 1, subcategoryId: 2, departmentId: 3, priority: 'high' }),
    ];
    const levels = [];
    for (let remaining = all; remaining.length > 0;) {
      const { chosen, trace } = matchWorkflow(ticket, remaining);
      levels.push(trace.level);
      remaining = remaining.filter((entry) => entry !== chosen);
    }
    expect(levels).toEqual(['exact', 'without_priority', 'category_department', 'default']);
  });

  it('passes over workflows of another kind or another criterion, saying why, and falls back to none', () => {
    const { chosen, trace } = matchWorkflow(ticket, [
      candidate({ id: 5, name: 'low only', priority: 'low' }),
      candidate({ id: 6, name: 'services', kind: 'service', isDefault: true }),
    ]);
    expect(chosen).toBeNull();
    expect(trace.considered.map((entry) => entry.outcome)).toEqual([
      'does not apply: priority is high, the workflow wants low',
      'does not apply: for service tickets',
    ]);
  });

  it('prefers the newer publication among equally specific workflows', () => {
    const { chosen } = matchWorkflow(ticket, [
      candidate({ id: 7, name: 'old', categoryId: 1 }, new Date('2026-01-01')),
      candidate({ id: 8, name: 'new', categoryId: 1 }, new Date('2026-06-01')),
    ]);
    expect(chosen?.workflow.name).toBe('new');
  });
});
