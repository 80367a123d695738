import type { RequestContext } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { commonErrors, fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { AuditService } from '../audit/index.ts';
import { ticketErrors } from './tickets.errors.ts';
import * as repository from './tickets.repository.ts';
import type { IncidentType, TicketCategory } from './tickets.tables.ts';
import { isViolation } from '../../platform/db/errors.ts';
import { recordCategoryCreated, recordIncidentTypeChange } from './tickets.reference.events.ts';

export interface IncidentTypeInput {
  name?: string;
  description?: string;
  severityLevel?: number;
}

/** Admin-managed reference data of the service desk: incident types and categories. */
export function createTicketReferenceService({
  db,
  audit,
}: {
  db: Database;
  audit: Pick<AuditService, 'record'>;
}) {
  async function incidentType(id: number): Promise<IncidentType> {
    const found = await repository.incidentTypeById(db, id);
    if (!found) throw ticketErrors.TICKET_TYPE_NOT_FOUND();
    return found;
  }

  const incidentTypeListing = listing(
    repository.incidentTypeList,
    listQueries(db, repository.listIncidentTypes, repository.countIncidentTypes),
  );
  const categoryListing = listing(
    repository.categoryList,
    listQueries(db, repository.listCategories, repository.countCategories),
  );
  return {
    listIncidentTypes(params: ListParams): Promise<Page<IncidentType>> {
      return incidentTypeListing.page(params);
    },

    allIncidentTypes(params: ListParams): AsyncIterable<IncidentType> {
      return incidentTypeListing.all(params);
    },

    incidentType,

    async createIncidentType(
      ctx: RequestContext,
      input: IncidentTypeInput & { name: string },
    ): Promise<IncidentType> {
      return db.transaction(async (tx) => {
        if (await repository.incidentTypeByName(tx, input.name))
          throw fieldError('name', 'An incident type with this name already exists.');
        const created = await repository.insertIncidentType(tx, input);
        await audit.record(tx, ctx, {
          action: 'incident_type.created',
          resourceType: 'incident_type',
          resourceId: created.id,
          after: created,
        });
        await recordIncidentTypeChange(tx, ctx, 'created', created);
        return created;
      });
    },

    async updateIncidentType(
      ctx: RequestContext,
      id: number,
      input: IncidentTypeInput,
      expectedVersion?: number,
    ): Promise<IncidentType> {
      const before = await incidentType(id);
      return db.transaction(async (tx) => {
        if (input.name && (await repository.incidentTypeByName(tx, input.name, id))) {
          throw fieldError('name', 'An incident type with this name already exists.');
        }
        const after = await repository.updateIncidentType(tx, id, input, expectedVersion);
        if (!after) throw commonErrors.VERSION_CONFLICT({ extra: { current: before } });
        await audit.record(tx, ctx, {
          action: 'incident_type.updated',
          resourceType: 'incident_type',
          resourceId: id,
          before,
          after,
        });
        await recordIncidentTypeChange(tx, ctx, 'updated', after);
        return after;
      });
    },

    async deleteIncidentType(ctx: RequestContext, id: number): Promise<void> {
      const before = await incidentType(id);
      await db.transaction(async (tx) => {
        await repository.deleteIncidentType(tx, id);
        await audit.record(tx, ctx, {
          action: 'incident_type.deleted',
          resourceType: 'incident_type',
          resourceId: id,
          before,
        });
        await recordIncidentTypeChange(tx, ctx, 'deleted', before);
      });
    },

    listCategories(params: ListParams): Promise<Page<TicketCategory>> {
      return categoryListing.page(params);
    },

    /** Whether a category (or subcategory) with this id exists. */
    async categoryExists(id: number): Promise<boolean> {
      return (await repository.categoryById(db, id)) !== undefined;
    },

    allCategories(params: ListParams): AsyncIterable<TicketCategory> {
      return categoryListing.all(params);
    },

    /** A category, or a subcategory when `parentId` names a top-level category. */
    async createCategory(
      ctx: RequestContext,
      input: { name: string; description?: string; parentId?: number | null },
    ): Promise<TicketCategory> {
      return db.transaction(async (tx) => {
        if (input.parentId) {
          const parent = await repository.categoryById(tx, input.parentId);
          if (!parent)
            throw fieldError('parent_id', `Invalid pk "${input.parentId}" - object does not exist.`);
          if (parent.parentId !== null)
            throw fieldError('parent_id', 'Subcategories cannot have subcategories.');
        }
        try {
          const created = await tx.transaction((savepoint) => repository.insertCategory(savepoint, input));
          await audit.record(tx, ctx, {
            action: 'category.created',
            resourceType: 'ticket_category',
            resourceId: created.id,
            after: created,
          });
          await recordCategoryCreated(tx, ctx, created);
          return created;
        } catch (error) {
          if (isViolation(error, '23505'))
            throw fieldError('name', 'A category with this name already exists here.');
          throw error;
        }
      });
    },
  };
}

export type TicketReferenceService = ReturnType<typeof createTicketReferenceService>;
