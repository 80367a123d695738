import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Executor } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError, type FieldErrors } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { Person } from '../identity/index.ts';
import { workflowAdminErrors as errors } from './workflows.admin.errors.ts';
import * as repository from './workflows.admin.roles.repository.ts';
import type { AssignmentRoleRow } from './workflows.admin.roles.repository.ts';
import type { WorkflowAdminDeps } from './workflows.admin.ts';
import { isViolation } from '../../platform/db/errors.ts';

export interface RoleMember {
  person: Person;
  addedAt: Date;
}

/** A role with its members, oldest first (people identity no longer knows are left out). */
export type AssignmentRoleDetail = AssignmentRoleRow & { members: RoleMember[] };

export interface RoleInput {
  name?: string;
  description?: string;
}

const nameTaken = () => fieldError('name', 'An assignment role with this name already exists.');

/** Why a person cannot be a member, or undefined when they can: only active non-viewers work tickets. */
function memberProblem(id: number, person: Person | undefined): string | undefined {
  if (!person) return `User ${id} does not exist.`;
  if (!person.user.isActive) return `${person.user.username} is inactive.`;
  if (person.user.role === 'viewer')
    return `${person.user.username} is a viewer: viewers only read and report tickets, so they cannot be assigned work.`;
  return undefined;
}

/** Assignment roles and their members. */
/** At most this many queued tickets are named in the message (all are in `queued_tickets`). */
const MAX_TICKETS_NAMED = 10;

export function createRoleVerbs({ db, audit, identity, onMembershipChanged }: WorkflowAdminDeps) {
  async function lockRole(tx: Executor, id: number): Promise<AssignmentRoleRow> {
    const role = await repository.roleById(tx, id, { lock: true });
    if (!role) throw errors.WORKFLOWS_ROLE_NOT_FOUND();
    return role;
  }

  async function detail(executor: Executor, id: number): Promise<AssignmentRoleDetail> {
    const role = await repository.roleById(executor, id);
    if (!role) throw errors.WORKFLOWS_ROLE_NOT_FOUND();
    const memberships = await repository.membersOf(executor, id);
    const people = new Map(
      (await identity.peopleByUserIds(memberships.map((member) => member.userId))).map((person) => [
        person.user.id,
        person,
      ]),
    );
    const members = memberships.flatMap((member) => {
      const person = people.get(member.userId);
      return person ? [{ person, addedAt: member.createdAt }] : [];
    });
    return { ...role, members };
  }

  const saveName = <T>(write: Promise<T>) =>
    write.catch((error: unknown) => {
      throw isViolation(error, '23505') ? nameTaken() : error;
    });

  /** Changes the members with `change`; when it changed anything, bumps the role, audits and calls the hook. */
  async function changeMembers(
    ctx: RequestContext,
    roleId: number,
    action: string,
    change: (tx: Executor) => Promise<boolean>,
  ): Promise<AssignmentRoleDetail> {
    return db.transaction(async (tx) => {
      await lockRole(tx, roleId);
      const before = (await repository.membersOf(tx, roleId)).map((member) => member.userId);
      if (await change(tx)) {
        await repository.touchRole(tx, roleId);
        const after = (await repository.membersOf(tx, roleId)).map((member) => member.userId);
        await audit.record(tx, ctx, {
          action,
          resourceType: 'assignment_role',
          resourceId: roleId,
          before: { user_ids: before },
          after: { user_ids: after },
        });
        await onMembershipChanged(tx, roleId);
      }
      return detail(tx, roleId);
    });
  }

  const roleListing = listing(
    repository.roleList,
    listQueries(db, repository.listRoles, repository.countRoles),
  );
  return {
    listRoles(params: ListParams): Promise<Page<AssignmentRoleRow>> {
      return roleListing.page(params);
    },

    allRoles(params: ListParams): AsyncIterable<AssignmentRoleRow> {
      return roleListing.all(params);
    },

    /** A role with its members. */
    getRole(id: number): Promise<AssignmentRoleDetail> {
      return detail(db, id);
    },

    async createRole(
      ctx: RequestContext,
      input: RoleInput & { name: string },
    ): Promise<AssignmentRoleDetail> {
      return db.transaction(async (tx) => {
        if (await repository.roleNameTaken(tx, input.name)) throw nameTaken();
        const role = await saveName(
          repository.insertRole(tx, { name: input.name, description: input.description ?? '' }),
        );
        await audit.record(tx, ctx, {
          action: 'assignment_role.created',
          resourceType: 'assignment_role',
          resourceId: role.id,
          after: role,
        });
        return detail(tx, role.id);
      });
    },

    /** Renames or redescribes a role; a stale `expectedVersion` is VERSION_CONFLICT with the current role. */
    async updateRole(
      ctx: RequestContext,
      id: number,
      input: RoleInput,
      expectedVersion?: number,
    ): Promise<AssignmentRoleDetail> {
      return db.transaction(async (tx) => {
        const before = await lockRole(tx, id);
        if (input.name !== undefined && (await repository.roleNameTaken(tx, input.name, id)))
          throw nameTaken();
        const after = await saveName(repository.updateRole(tx, id, input, expectedVersion));
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'assignment_role.updated',
          resourceType: 'assignment_role',
          resourceId: id,
          before,
          after,
        });
        return detail(tx, id);
      });
    },

    /**
     * Deletes a role with its members. A role that a published or draft workflow version
     * names (a step's `role_id`, a transition's `required_role_id`) is WORKFLOWS_ROLE_IN_USE,
     * with those versions in `versions`; so is a role tickets wait for in its queue (on
     * any version, retired ones included), with those tickets in `queued_tickets`, as
     * service desks refuse to delete a group that still holds work. The role row is
     * locked, and queueing a ticket key-share locks it, so neither can slip past the other.
     */
    async deleteRole(ctx: RequestContext, id: number, expectedVersion?: number): Promise<void> {
      await db.transaction(async (tx) => {
        const before = await lockRole(tx, id);
        if (expectedVersion !== undefined && before.version !== expectedVersion)
          throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        const references = await repository.versionsNamingRole(tx, id);
        const versions = references.map((reference) => ({
          workflow_id: reference.workflowId,
          workflow_name: reference.workflowName,
          number: reference.number,
          status: reference.status,
        }));
        if (versions.length > 0) throw errors.WORKFLOWS_ROLE_IN_USE({ extra: { versions } });
        // A ticket on a retired version can still wait for this role; deleting it would
        // drop the ticket from every queue, unassigned and forgotten.
        const queued = await repository.queuedTicketIds(tx, id);
        if (queued.length > 0)
          throw errors.WORKFLOWS_ROLE_IN_USE({
            message: `Tickets wait in this role's queue (${queued
              .slice(0, MAX_TICKETS_NAMED)
              .map((ticketId) => `#${ticketId}`)
              .join(
                ', ',
              )}${queued.length > MAX_TICKETS_NAMED ? `, and ${queued.length - MAX_TICKETS_NAMED} more` : ''}); assign them or move them on first.`,
            extra: { versions, queued_tickets: queued },
          });
        await repository.deleteRole(tx, id);
        await audit.record(tx, ctx, {
          action: 'assignment_role.deleted',
          resourceType: 'assignment_role',
          resourceId: id,
          before,
        });
      });
    },

    /**
     * Adds people to a role: each must exist, be active and not be a viewer (400 with
     * `user_ids.<index>` field errors otherwise). People already in the role stay as
     * they are, so repeating a call changes nothing.
     */
    async addMembers(ctx: RequestContext, roleId: number, userIds: number[]): Promise<AssignmentRoleDetail> {
      const people = new Map(
        (await identity.peopleByUserIds(userIds)).map((person) => [person.user.id, person]),
      );
      const fields: FieldErrors = {};
      userIds.forEach((id, index) => {
        const problem = memberProblem(id, people.get(id));
        if (problem) fields[`user_ids.${index}`] = [problem];
      });
      return changeMembers(ctx, roleId, 'assignment_role.members_added', async (tx) => {
        if (Object.keys(fields).length > 0) throw commonErrors.VALIDATION_FAILED({ fields });
        const added = await repository.insertMembers(tx, roleId, [...new Set(userIds)]);
        return added.length > 0;
      });
    },

    /** Removes a person from a role; WORKFLOWS_MEMBER_NOT_FOUND when they are not in it. */
    async removeMember(ctx: RequestContext, roleId: number, userId: number): Promise<void> {
      await changeMembers(ctx, roleId, 'assignment_role.member_removed', async (tx) => {
        if (!(await repository.deleteMember(tx, roleId, userId))) throw errors.WORKFLOWS_MEMBER_NOT_FOUND();
        return true;
      });
    },
  };
}
