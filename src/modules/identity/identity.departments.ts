import { LRUCache } from 'lru-cache';
import type { RequestContext } from '../../platform/auth/actor.ts';
import { listing, listQueries, type Page } from '../../platform/db/list.ts';
import { fieldError } from '../../platform/http/errors.ts';
import type { ListParams } from '../../platform/http/query.ts';
import type { IdentityDeps } from './identity.context.ts';
import * as repository from './identity.repository.ts';
import type { Department } from './identity.tables.ts';

/** Copies of departments one process keeps (an organisation has tens, rarely thousands). */
const DEPARTMENTS_KEPT = 10_000;

/** Departments: listed, created, embedded by other modules; never renamed or deleted. */
export function createDepartments({ db, audit }: Pick<IdentityDeps, 'db' | 'audit'>) {
  const departmentsRead = new LRUCache<number, Department>({ max: DEPARTMENTS_KEPT });
  const departmentListing = listing(
    repository.departmentList,
    listQueries(db, repository.listDepartments, repository.countDepartments),
  );
  return {
    /**
     * Departments by id, for modules that embed one: from this process's copies, and one
     * query for those it has not read yet. A department is only ever added (no rename,
     * no delete), so a copy never goes stale; the ids a page embeds are a handful.
     */
    async departmentsByIds(ids: number[]): Promise<Department[]> {
      const wanted = [...new Set(ids)];
      const unread = wanted.filter((id) => !departmentsRead.has(id));
      if (unread.length > 0)
        for (const department of await repository.departmentsByIds(db, unread))
          departmentsRead.set(department.id, department);
      return wanted.flatMap((id) => departmentsRead.get(id) ?? []);
    },

    listDepartments(params: ListParams): Promise<Page<Department>> {
      return departmentListing.page(params);
    },

    allDepartments(params: ListParams): AsyncIterable<Department> {
      return departmentListing.all(params);
    },

    async createDepartment(
      ctx: RequestContext,
      input: { name: string; description?: string },
    ): Promise<Department> {
      return db.transaction(async (tx) => {
        if (await repository.departmentByName(tx, input.name)) {
          throw fieldError('name', 'A department with this name already exists.');
        }
        const department = await repository.insertDepartment(tx, {
          name: input.name,
          description: input.description ?? '',
        });
        await audit.record(tx, ctx, {
          action: 'department.created',
          resourceType: 'department',
          resourceId: department.id,
          after: department,
        });
        return department;
      });
    },

    /** Finds a department by name or creates it (seed and CLI). */
    async ensureDepartment(ctx: RequestContext, name: string): Promise<Department> {
      return (await repository.departmentByName(db, name)) ?? this.createDepartment(ctx, { name });
    },
  };
}
