import type { RequestContext } from '../../platform/auth/actor.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { AppError, commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import { workflowAdminErrors as errors } from './workflows.admin.errors.ts';
import * as repository from './workflows.admin.roles.repository.ts';
import type { WorkflowAdminDeps } from './workflows.admin.ts';
import type { AssigneeProfile } from './workflows.tables.ts';

/** A person's assignee profile; version 0 and no timestamps while they have none (the defaults apply). */
export type AssigneeProfileView = Pick<AssigneeProfile, 'userId' | 'capacity' | 'calendarId' | 'version'> & {
  createdAt: Date | null;
  updatedAt: Date | null;
};

export interface ProfileInput {
  /** Most open tickets at once; null: no cap. */
  capacity: number | null;
  /** Working-hours calendar; null: the person's working-hours calendar. */
  calendarId: number | null;
}

const defaults = (userId: number): AssigneeProfileView => ({
  userId,
  capacity: null,
  calendarId: null,
  version: 0,
  createdAt: null,
  updatedAt: null,
});

/** Assignee profiles: per person, a capacity and the calendar of their working hours. */
export function createProfileVerbs({
  db,
  audit,
  identity,
  calendars,
  onMembershipChanged,
}: WorkflowAdminDeps) {
  async function mustExist(userId: number): Promise<void> {
    const [person] = await identity.peopleByUserIds([userId]);
    if (!person) throw errors.WORKFLOWS_USER_NOT_FOUND();
  }

  async function checkCalendar(calendarId: number | null): Promise<void> {
    if (calendarId === null) return;
    try {
      await calendars.getCalendar(calendarId);
    } catch (error) {
      if (error instanceof AppError && error.kind === 'not_found')
        throw fieldError('calendar_id', `Calendar ${calendarId} does not exist.`);
      throw error;
    }
  }

  const profileListing = listing(
    repository.profileList,
    listQueries(db, repository.listProfiles, repository.countProfiles),
  );
  return {
    /** The profiles people have (people without one work with the defaults). */
    listProfiles(params: ListParams): Promise<Page<AssigneeProfile>> {
      return profileListing.page(params);
    },

    allProfiles(params: ListParams): AsyncIterable<AssigneeProfile> {
      return profileListing.all(params);
    },

    /** A person's profile, or the defaults (no cap, working-hours calendar) when they have none. */
    async getProfile(userId: number): Promise<AssigneeProfileView> {
      await mustExist(userId);
      return (await repository.profileOf(db, userId)) ?? defaults(userId);
    },

    /**
     * Creates or replaces a person's profile. `expectedVersion` 0 means "none exists
     * yet"; a stale one is VERSION_CONFLICT with the current profile. A changed
     * capacity or calendar may free the person for queued tickets, so each of their
     * roles gets `onMembershipChanged`.
     */
    async putProfile(
      ctx: RequestContext,
      userId: number,
      input: ProfileInput,
      expectedVersion?: number,
    ): Promise<AssigneeProfileView> {
      await mustExist(userId);
      await checkCalendar(input.calendarId);
      return db.transaction(async (tx) => {
        const before = await repository.profileOf(tx, userId, { lock: true });
        const conflict = (current: AssigneeProfileView | undefined) =>
          commonErrors.VERSION_CONFLICT({ extra: { current: current ?? defaults(userId) } });
        if (expectedVersion !== undefined && (before?.version ?? 0) !== expectedVersion)
          throw conflict(before);
        const values = { capacity: input.capacity, calendarId: input.calendarId };
        const after = before
          ? await repository.updateProfile(tx, userId, values)
          : await repository.insertProfile(tx, { userId, ...values });
        // Only a profile created concurrently (after our read) can leave us without a row.
        if (!after) throw conflict(await repository.profileOf(tx, userId));
        await audit.record(tx, ctx, {
          action: before ? 'assignee_profile.updated' : 'assignee_profile.created',
          resourceType: 'assignee_profile',
          resourceId: userId,
          before: before ?? null,
          after,
        });
        for (const roleId of await repository.roleIdsOfUser(tx, userId))
          await onMembershipChanged(tx, roleId);
        return after;
      });
    },
  };
}
