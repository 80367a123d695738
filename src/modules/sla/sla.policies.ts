import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database, Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { AppError, commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import type { CalendarsService } from '../calendars/index.ts';
import { slaErrors } from './sla.errors.ts';
import * as repository from './sla.policies.repository.ts';
import type { SlaPolicy } from './sla.tables.ts';
import { checkFields, storedValues, throwIfAny, type SlaPolicyInput } from './sla.policies.validation.ts';
import { isViolation } from '../../platform/db/errors.ts';

export type { SlaPolicyInput } from './sla.policies.validation.ts';

export interface SlaPoliciesDeps {
  db: Database;
  audit: Pick<AuditService, 'record'>;
  calendars: Pick<CalendarsService, 'getCalendar'>;
  /** Whether a ticket category exists (the tickets module owns them). */
  categoryExists: (id: number) => Promise<boolean>;
  /**
   * Called in the writing transaction after a change that can move the clocks of
   * tickets under the policy (targets, calendar, levels, at-risk share, scope,
   * activation) and after a delete or deactivation; the policy may be gone by then.
   */
  onPolicyChanged: (tx: Executor, policyId: number) => Promise<void>;
}

/** What DELETE did: a policy no ticket was ever measured by goes; one in use is deactivated and kept. */
export type PolicyRemoval = { outcome: 'deleted' } | { outcome: 'deactivated'; policy: SlaPolicy };

/** Fields whose change moves the clocks of tickets under the policy. */
const CLOCK_FIELDS = [
  'priority',
  'categoryId',
  'calendarId',
  'firstResponseMinutes',
  'resolutionMinutes',
  'atRiskPercent',
  'escalationLevels',
  'isActive',
] as const satisfies readonly (keyof SlaPolicy)[];

const clocksMoved = (before: SlaPolicy, after: SlaPolicy) =>
  CLOCK_FIELDS.some((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));

const scopeTaken = (categoryId: number | null, holder?: Pick<SlaPolicy, 'id' | 'name'>) =>
  fieldError(
    categoryId === null ? 'priority' : 'category_id',
    `${holder ? `The active policy "${holder.name}" (id ${holder.id})` : 'Another active policy'} already ` +
      `covers this priority and ${categoryId === null ? 'every category without a policy of its own' : 'category'}; ` +
      'deactivate it first.',
  );

/**
 * SLA policies: which targets (first response, resolution, on which business calendar)
 * apply to tickets of a priority, optionally of one category, and how they escalate.
 * At most one active policy covers a priority and category. A policy some ticket was
 * measured by is never deleted: DELETE deactivates it, so its tickets' history keeps
 * naming it.
 */
export function createSlaPolicies({
  db,
  audit,
  calendars,
  categoryExists,
  onPolicyChanged,
}: SlaPoliciesDeps) {
  /** Field errors of the categories and calendars the input names (read outside any transaction). */
  async function referenceErrors(input: SlaPolicyInput): Promise<FieldErrors> {
    const fields: FieldErrors = {};
    const [categoryFound, calendarFound] = await Promise.all([
      input.categoryId ? categoryExists(input.categoryId) : true,
      input.calendarId
        ? calendars.getCalendar(input.calendarId).then(
            () => true,
            (error: unknown) => {
              if (error instanceof AppError && error.kind === 'not_found') return false;
              throw error;
            },
          )
        : true,
    ]);
    if (input.categoryId && !categoryFound)
      fields.category_id = [`Invalid pk "${input.categoryId}" - object does not exist.`];
    if (input.calendarId && !calendarFound)
      fields.calendar_id = [`Invalid pk "${input.calendarId}" - object does not exist.`];
    return fields;
  }

  /** Refuses a second active policy for the scope `policy` would cover (none when it is inactive). */
  async function checkScope(
    tx: Executor,
    policy: Pick<SlaPolicy, 'priority' | 'categoryId' | 'isActive'>,
    id?: number,
  ) {
    if (!policy.isActive) return;
    const holder = await repository.activePolicyForScope(tx, policy, id);
    if (holder) throw scopeTaken(policy.categoryId, holder);
  }

  // A concurrent writer can pass checkScope at the same time; the unique index decides.
  const translated = (categoryId: number | null) => (error: unknown) => {
    throw isViolation(error, '23505', 'sla_policies_scope_key') ? scopeTaken(categoryId) : error;
  };

  async function lockPolicy(tx: Executor, id: number): Promise<SlaPolicy> {
    const policy = await repository.policyById(tx, id, { lock: true });
    if (!policy) throw slaErrors.SLA_POLICY_NOT_FOUND();
    return policy;
  }

  const policyListing = listing(
    repository.policyList,
    listQueries(db, repository.listPolicies, repository.countPolicies),
  );
  return {
    listPolicies(params: ListParams): Promise<Page<SlaPolicy>> {
      return policyListing.page(params);
    },

    allPolicies(params: ListParams): AsyncIterable<SlaPolicy> {
      return policyListing.all(params);
    },

    async getPolicy(id: number): Promise<SlaPolicy> {
      const policy = await repository.policyById(db, id);
      if (!policy) throw slaErrors.SLA_POLICY_NOT_FOUND();
      return policy;
    },

    /** Creates a policy (active unless `isActive: false`); name, priority and resolution target are required. */
    async createPolicy(ctx: RequestContext, input: SlaPolicyInput): Promise<SlaPolicy> {
      throwIfAny(checkFields(input, undefined), await referenceErrors(input));
      const values = storedValues(input);
      const name = values.name ?? '';
      const priority = values.priority ?? 'medium';
      const resolutionMinutes = values.resolutionMinutes ?? 0;
      const categoryId = values.categoryId ?? null;
      return db.transaction(async (tx) => {
        await checkScope(tx, { priority, categoryId, isActive: values.isActive ?? true });
        const policy = await repository
          .insertPolicy(tx, { ...values, name, priority, resolutionMinutes })
          .catch(translated(categoryId));
        await audit.record(tx, ctx, {
          action: 'sla_policy.created',
          resourceType: 'sla_policy',
          resourceId: policy.id,
          after: policy,
        });
        return policy;
      });
    },

    /**
     * Applies a partial update (`escalationLevels` replaces all levels); a stale
     * `expectedVersion` is a VERSION_CONFLICT carrying the current policy. A change that
     * moves clocks calls `onPolicyChanged` in the transaction.
     */
    async updatePolicy(
      ctx: RequestContext,
      id: number,
      input: SlaPolicyInput,
      expectedVersion?: number,
    ): Promise<SlaPolicy> {
      const references = await referenceErrors(input);
      return db.transaction(async (tx) => {
        const before = await lockPolicy(tx, id);
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        throwIfAny(checkFields(input, before), references);
        const values = storedValues(input);
        const categoryId = values.categoryId !== undefined ? values.categoryId : before.categoryId;
        await checkScope(
          tx,
          {
            priority: values.priority ?? before.priority,
            categoryId,
            isActive: values.isActive ?? before.isActive,
          },
          id,
        );
        const after = await repository
          .updatePolicy(tx, id, values, expectedVersion)
          .catch(translated(categoryId));
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'sla_policy.updated',
          resourceType: 'sla_policy',
          resourceId: id,
          before,
          after,
        });
        if (clocksMoved(before, after)) await onPolicyChanged(tx, id);
        return after;
      });
    },

    /**
     * Deletes a policy no ticket was ever measured by. One in use is deactivated instead
     * (its tickets' history keeps naming it; ticket_slas.policy_id would otherwise be set
     * null); one already inactive is answered as it is. The row lock also waits out a
     * ticket being attached to the policy concurrently (its foreign-key check holds a
     * KEY SHARE lock on the policy row).
     */
    async deletePolicy(ctx: RequestContext, id: number, expectedVersion?: number): Promise<PolicyRemoval> {
      return db.transaction(async (tx) => {
        const before = await lockPolicy(tx, id);
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        if (await repository.policyInUse(tx, id)) {
          if (!before.isActive) return { outcome: 'deactivated', policy: before };
          const after = await repository.updatePolicy(tx, id, { isActive: false });
          if (!after) throw slaErrors.SLA_POLICY_NOT_FOUND();
          await audit.record(tx, ctx, {
            action: 'sla_policy.deactivated',
            resourceType: 'sla_policy',
            resourceId: id,
            before,
            after,
          });
          await onPolicyChanged(tx, id);
          return { outcome: 'deactivated', policy: after };
        }
        await repository.deletePolicy(tx, id);
        await audit.record(tx, ctx, {
          action: 'sla_policy.deleted',
          resourceType: 'sla_policy',
          resourceId: id,
          before,
        });
        await onPolicyChanged(tx, id);
        return { outcome: 'deleted' };
      });
    },
  };
}

/** The SLA policies admin: what the routes (and the SLA engine, to read policies) call. */
export type SlaPolicies = ReturnType<typeof createSlaPolicies>;
