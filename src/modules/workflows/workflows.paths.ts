import {
  stepOf,
  type RequirableField,
  type WorkflowDefinition,
  type WorkflowTransition,
} from './workflows.definition.ts';

/** What keeps someone from taking a transition: a role they do not hold, a field not filled. */
export type Blocker = { role: number } | { field: RequirableField };

export type WalkPlan =
  | { path: WorkflowTransition[] }
  | {
      /** Transitions that would have led on towards the status, with what blocks each. */
      blocked: { transition: WorkflowTransition; blockers: Blocker[] }[];
      /** The statuses that can be reached from the step instead. */
      reachable: string[];
    };

/** The steps from which a step with `status` can be reached (those steps included), whoever acts. */
function stepsLeadingTo(definition: WorkflowDefinition, status: string): Set<string> {
  const leading = new Set(definition.steps.filter((step) => step.status === status).map((step) => step.key));
  const frontier = [...leading];
  for (let key = frontier.pop(); key !== undefined; key = frontier.pop()) {
    for (const transition of definition.transitions) {
      if (transition.to !== key || leading.has(transition.from)) continue;
      leading.add(transition.from);
      frontier.push(transition.from);
    }
  }
  return leading;
}

/**
 * The fewest transitions from step `from` to another step with `status`, taking only
 * transitions nothing blocks (`blockersOf` answers [] for those); among as short, the
 * earlier transitions of the definition. When none gets there: what blocks the
 * transitions that would have led on, and the statuses that can be reached.
 */
export function planWalk(
  definition: WorkflowDefinition,
  from: string,
  status: string,
  blockersOf: (transition: WorkflowTransition) => Blocker[],
): WalkPlan {
  const via = new Map<string, WorkflowTransition | null>([[from, null]]);
  const blocked: { transition: WorkflowTransition; blockers: Blocker[] }[] = [];
  const frontier = [from];
  for (let key = frontier.shift(); key !== undefined; key = frontier.shift()) {
    if (key !== from && stepOf(definition, key)?.status === status) {
      const path: WorkflowTransition[] = [];
      for (let transition = via.get(key); transition; transition = via.get(transition.from))
        path.unshift(transition);
      return { path };
    }
    for (const transition of definition.transitions) {
      if (transition.from !== key || via.has(transition.to)) continue;
      const blockers = blockersOf(transition);
      if (blockers.length > 0) blocked.push({ transition, blockers });
      else {
        via.set(transition.to, transition);
        frontier.push(transition.to);
      }
    }
  }
  const leading = stepsLeadingTo(definition, status);
  const fromStatus = stepOf(definition, from)?.status;
  const reachable = new Set(
    [...via.keys()]
      .map((key) => stepOf(definition, key)?.status)
      .filter(
        (reached): reached is NonNullable<typeof reached> => reached !== undefined && reached !== fromStatus,
      ),
  );
  return {
    blocked: blocked.filter(({ transition }) => !via.has(transition.to) && leading.has(transition.to)),
    reachable: [...reachable],
  };
}
