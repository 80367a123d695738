import { Type, type Static } from '@sinclair/typebox';
import { statusesOf, TICKET_STATUSES } from '../tickets/index.ts';

/**
 * A workflow version's steps and transitions, as stored (jsonb) and as the API takes
 * them. `checkDefinition` is what publishing requires; a draft may be incomplete.
 */

/** Ticket fields a transition may require to be filled (and may fill itself). */
export const REQUIRABLE_FIELDS = [
  'description',
  'category_id',
  'subcategory_id',
  'incident_type_id',
  'facility_id',
  'due_date',
  'comment',
] as const;
export type RequirableField = (typeof REQUIRABLE_FIELDS)[number];

const Key = Type.String({
  pattern: '^[a-z][a-z0-9_]{0,63}$',
  description: 'Stable key: lowercase letters, digits, _.',
});

export const WorkflowStep = Type.Object(
  {
    key: Key,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    /** The ticket status while the ticket is in this step. */
    status: Type.Union(TICKET_STATUSES.map((status) => Type.Literal(status))),
    role_id: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'Assignment role that works this step; entering the step assigns a member.',
      }),
    ),
    sla_weight: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1000,
        description:
          "Share of the resolution target this step may use (weight / sum of the workflow's weights).",
      }),
    ),
    requires_availability: Type.Optional(
      Type.Boolean({ description: 'Assign only people on shift or within their working hours now.' }),
    ),
    pauses_sla: Type.Optional(
      Type.Boolean({ description: 'A waiting step: SLA clocks stop while the ticket is here.' }),
    ),
    start: Type.Optional(
      Type.Boolean({ description: 'The step new tickets enter; exactly one per workflow.' }),
    ),
  },
  { additionalProperties: false },
);
export type WorkflowStep = Static<typeof WorkflowStep>;

export const WorkflowTransition = Type.Object(
  {
    action: Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    from: Key,
    to: Key,
    required_role_id: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
        description: 'Only members of this assignment role (and managers) may act.',
      }),
    ),
    required_fields: Type.Optional(
      Type.Array(Type.Union(REQUIRABLE_FIELDS.map((field) => Type.Literal(field))), { uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);
export type WorkflowTransition = Static<typeof WorkflowTransition>;

export const WorkflowDefinition = Type.Object(
  {
    steps: Type.Array(WorkflowStep, { maxItems: 100 }),
    transitions: Type.Array(WorkflowTransition, { maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type WorkflowDefinition = Static<typeof WorkflowDefinition>;

export interface DefinitionProblem {
  path: string;
  message: string;
}

type Kind = 'incident' | 'service';

const finalStatuses = new Set(['closed', 'completed', 'cancelled']);

export const startStepOf = (definition: WorkflowDefinition): WorkflowStep | undefined =>
  definition.steps.find((step) => step.start === true);

export const stepOf = (definition: WorkflowDefinition, key: string | null): WorkflowStep | undefined =>
  key === null ? undefined : definition.steps.find((step) => step.key === key);

export const isFinalStep = (step: WorkflowStep): boolean => finalStatuses.has(step.status);

/** The sum of the steps' SLA weights; a step's budget is its weight over this share of the target. */
export const totalWeight = (definition: WorkflowDefinition): number =>
  definition.steps.reduce((sum, step) => sum + (step.sla_weight ?? 0), 0);

/**
 * What publishing requires: unique keys and actions per step, exactly one start step
 * (open or in progress), every step reachable from it, no transition to or from a
 * step that does not exist, statuses of the workflow's kind, moves between statuses that the kind's lifecycle
 * allows (`allowedMove`), roles that exist (`roleExists`), and no open or in-progress
 * step that nothing leaves (a ticket would be stuck there).
 */
export function checkDefinition(
  definition: WorkflowDefinition,
  options: {
    kind: Kind;
    roleExists: (id: number) => boolean;
    allowedMove: (kind: Kind, from: string, to: string) => boolean;
  },
): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const { steps, transitions } = definition;
  const keys = new Map<string, number>();
  if (steps.length === 0) problems.push({ path: 'steps', message: 'A workflow needs at least one step.' });
  steps.forEach((step, index) => {
    if (keys.has(step.key))
      problems.push({ path: `steps.${index}.key`, message: `The key "${step.key}" is used twice.` });
    keys.set(step.key, index);
    if (!(statusesOf(options.kind) as string[]).includes(step.status))
      problems.push({
        path: `steps.${index}.status`,
        message: `"${step.status}" is not a status of ${options.kind} tickets.`,
      });
    if (step.role_id != null && !options.roleExists(step.role_id))
      problems.push({
        path: `steps.${index}.role_id`,
        message: `Assignment role ${step.role_id} does not exist.`,
      });
  });
  const starts = steps.filter((step) => step.start === true);
  if (steps.length > 0 && starts.length !== 1)
    problems.push({
      path: 'steps',
      message: `Exactly one step must be the start step (found ${starts.length}).`,
    });
  const [start] = starts;
  if (start && starts.length === 1 && start.status !== 'open' && start.status !== 'in_progress')
    problems.push({
      path: `steps.${keys.get(start.key) ?? 0}.status`,
      message: 'The start step must be open or in progress.',
    });

  const seenActions = new Set<string>();
  transitions.forEach((transition, index) => {
    if (!keys.has(transition.from))
      problems.push({ path: `transitions.${index}.from`, message: `No step "${transition.from}".` });
    if (!keys.has(transition.to))
      problems.push({ path: `transitions.${index}.to`, message: `No step "${transition.to}".` });
    if (transition.from === transition.to)
      problems.push({ path: `transitions.${index}.to`, message: 'A transition must lead to another step.' });
    const fromStep = stepOf(definition, transition.from);
    const toStep = stepOf(definition, transition.to);
    if (fromStep && isFinalStep(fromStep))
      problems.push({
        path: `transitions.${index}.from`,
        message: `"${transition.from}" is final: nothing leaves it.`,
      });
    else if (
      fromStep &&
      toStep &&
      fromStep.status !== toStep.status &&
      !options.allowedMove(options.kind, fromStep.status, toStep.status)
    )
      problems.push({
        path: `transitions.${index}.to`,
        message: `A ${options.kind} ticket cannot go from "${fromStep.status}" to "${toStep.status}".`,
      });
    const actionKey = `${transition.from}/${transition.action}`;
    if (seenActions.has(actionKey))
      problems.push({
        path: `transitions.${index}.action`,
        message: `"${transition.action}" leaves "${transition.from}" twice.`,
      });
    seenActions.add(actionKey);
    if (transition.required_role_id != null && !options.roleExists(transition.required_role_id))
      problems.push({
        path: `transitions.${index}.required_role_id`,
        message: `Assignment role ${transition.required_role_id} does not exist.`,
      });
  });

  if (start && starts.length === 1) {
    const reached = new Set([start.key]);
    const frontier = [start.key];
    while (frontier.length > 0) {
      const from = frontier.pop();
      for (const transition of transitions) {
        if (transition.from === from && keys.has(transition.to) && !reached.has(transition.to)) {
          reached.add(transition.to);
          frontier.push(transition.to);
        }
      }
    }
    steps.forEach((step, index) => {
      const leaves = transitions.some((transition) => transition.from === step.key);
      if (!leaves && (step.status === 'open' || step.status === 'in_progress'))
        problems.push({
          path: `steps.${index}`,
          message: `Step "${step.key}" is not an end, yet no transition leaves it: tickets would be stuck there.`,
        });
      if (!reached.has(step.key))
        problems.push({
          path: `steps.${index}`,
          message: `Step "${step.key}" cannot be reached from the start step.`,
        });
    });
    if (!steps.some((step) => isFinalStep(step) || step.status === 'resolved'))
      problems.push({
        path: 'steps',
        message: 'A workflow needs a step that ends it (resolved, closed, completed or cancelled).',
      });
  }
  return problems;
}
