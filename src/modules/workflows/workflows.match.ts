import type { WorkflowDefinition } from './workflows.definition.ts';
import type { Workflow, WorkflowVersion } from './workflows.tables.ts';

/**
 * Which workflow a new ticket runs: of the published workflows of its kind whose
 * criteria all hold, the one naming the most criteria; among as many, the earlier
 * fallback level of the service-desk design (exact; without priority; category and
 * department; any other partial match), then the newest publication. The kind's
 * default names none and comes last. Pure: the caller loads the candidates.
 */

export interface TicketCriteria {
  kind: 'incident' | 'service';
  categoryId: number | null;
  subcategoryId: number | null;
  departmentId: number | null;
  priority: string;
}

export const MATCH_LEVELS = [
  'exact',
  'without_priority',
  'category_department',
  'partial',
  'default',
] as const;
export type MatchLevel = (typeof MATCH_LEVELS)[number];

export interface Candidate {
  workflow: Workflow;
  version: Pick<WorkflowVersion, 'id' | 'number' | 'publishedAt'> & { definition: WorkflowDefinition };
}

/** What the ticket records: how its workflow was chosen and which others were passed over, and why. */
export interface MatchTrace {
  level: MatchLevel | null;
  workflow: { id: number; name: string; version: number } | null;
  ticket: {
    kind: string;
    category_id: number | null;
    subcategory_id: number | null;
    department_id: number | null;
    priority: string;
  };
  considered: { workflow_id: number; name: string; level: MatchLevel | null; outcome: string }[];
}

const CRITERIA = [
  ['categoryId', 'category_id'],
  ['subcategoryId', 'subcategory_id'],
  ['departmentId', 'department_id'],
  ['priority', 'priority'],
] as const;

function levelOf(workflow: Workflow): MatchLevel {
  if (workflow.isDefault) return 'default';
  const has = (key: (typeof CRITERIA)[number][0]) => workflow[key] !== null;
  if (has('categoryId') && has('subcategoryId') && has('departmentId') && has('priority')) return 'exact';
  if (has('categoryId') && has('subcategoryId') && has('departmentId') && !has('priority'))
    return 'without_priority';
  if (has('categoryId') && has('departmentId') && !has('subcategoryId') && !has('priority'))
    return 'category_department';
  return 'partial';
}

/** Why a workflow does not apply, or null when it does (a default applies to its whole kind). */
function mismatch(workflow: Workflow, ticket: TicketCriteria): string | null {
  if (workflow.kind !== ticket.kind) return `for ${workflow.kind} tickets`;
  if (workflow.isDefault) return null;
  for (const [key, field] of CRITERIA) {
    const wanted = workflow[key];
    if (wanted !== null && wanted !== ticket[key])
      return `${field} is ${ticket[key] ?? 'empty'}, the workflow wants ${wanted}`;
  }
  return null;
}

export function matchWorkflow(
  ticket: TicketCriteria,
  candidates: readonly Candidate[],
): { chosen: Candidate | null; trace: MatchTrace } {
  const rank = (candidate: Candidate) => MATCH_LEVELS.indexOf(levelOf(candidate.workflow));
  const namedCriteria = (workflow: Workflow) =>
    workflow.isDefault ? 0 : CRITERIA.filter(([key]) => workflow[key] !== null).length;
  const matching = candidates
    .filter((candidate) => mismatch(candidate.workflow, ticket) === null)
    .sort(
      (a, b) =>
        namedCriteria(b.workflow) - namedCriteria(a.workflow) ||
        rank(a) - rank(b) ||
        (b.version.publishedAt?.getTime() ?? 0) - (a.version.publishedAt?.getTime() ?? 0) ||
        b.workflow.id - a.workflow.id,
    );
  const chosen = matching[0] ?? null;
  const considered = candidates.map((candidate) => {
    const reason = mismatch(candidate.workflow, ticket);
    const level = reason === null ? levelOf(candidate.workflow) : null;
    const outcome =
      candidate === chosen
        ? 'chosen'
        : reason !== null
          ? `does not apply: ${reason}`
          : `applies, but less specific (${level ?? ''})`;
    return { workflow_id: candidate.workflow.id, name: candidate.workflow.name, level, outcome };
  });
  return {
    chosen,
    trace: {
      level: chosen ? levelOf(chosen.workflow) : null,
      workflow: chosen
        ? { id: chosen.workflow.id, name: chosen.workflow.name, version: chosen.version.number }
        : null,
      ticket: {
        kind: ticket.kind,
        category_id: ticket.categoryId,
        subcategory_id: ticket.subcategoryId,
        department_id: ticket.departmentId,
        priority: ticket.priority,
      },
      considered,
    },
  };
}
