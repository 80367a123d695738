import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from './workflows.definition.ts';
import { planWalk, type Blocker } from './workflows.paths.ts';

const flow: WorkflowDefinition = {
  steps: [
    { key: 'triage', name: 'Triage', status: 'open', start: true },
    { key: 'working', name: 'Working', status: 'in_progress' },
    { key: 'resolved', name: 'Resolved', status: 'resolved' },
    { key: 'closed', name: 'Closed', status: 'closed' },
  ],
  transitions: [
    { action: 'start', from: 'triage', to: 'working' },
    { action: 'resolve', from: 'working', to: 'resolved', required_fields: ['description'] },
    { action: 'close', from: 'resolved', to: 'closed' },
    { action: 'dismiss', from: 'triage', to: 'closed', required_role_id: 7 },
  ],
};

const actions = (plan: ReturnType<typeof planWalk>) =>
  'path' in plan ? plan.path.map((transition) => transition.action) : plan;

describe('planWalk', () => {
  it('takes the fewest transitions nothing blocks', () => {
    expect(actions(planWalk(flow, 'triage', 'closed', () => []))).toEqual(['dismiss']);
    const noRole = (transition: { required_role_id?: number | null }): Blocker[] =>
      transition.required_role_id ? [{ role: transition.required_role_id }] : [];
    expect(actions(planWalk(flow, 'triage', 'closed', noRole))).toEqual(['start', 'resolve', 'close']);
  });

  it('names what blocks every way there, and what can be reached instead', () => {
    const blockAll = (transition: { action: string }): Blocker[] =>
      transition.action === 'dismiss'
        ? [{ role: 7 }]
        : transition.action === 'resolve'
          ? [{ field: 'description' }]
          : [];
    const plan = planWalk(flow, 'triage', 'closed', blockAll);
    expect(
      'blocked' in plan && plan.blocked.map(({ transition, blockers }) => [transition.action, blockers]),
    ).toEqual([
      ['dismiss', [{ role: 7 }]],
      ['resolve', [{ field: 'description' }]],
    ]);
    expect('reachable' in plan && plan.reachable).toEqual(['in_progress']);
    expect(planWalk(flow, 'triage', 'completed', () => [])).toEqual({
      blocked: [],
      reachable: ['in_progress', 'closed', 'resolved'],
    });
  });
});
