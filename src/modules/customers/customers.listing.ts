import { and, arrayOverlaps, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../platform/db/client.ts';
import { iterateAll, paginate, type Page } from '../../platform/db/list.ts';
import { whereOf, type ListParams } from '../../platform/http/query.ts';
import { customerOf, type Customer, type CustomerVault } from './customers.pii.ts';
import * as repository from './customers.repository.ts';
import { customerList } from './customers.repository.ts';
import {
  relevanceCountStatement,
  relevanceRanking,
  searchKindOf,
  searchPlanStatement,
} from './customers.search.ts';
import { customers } from './customers.tables.ts';

/** A list request: the platform's list params plus the filters it cannot express (tags, blind-indexed fields). */
export interface CustomerQuery {
  params: ListParams;
  /** Customers with any of these tags. */
  tags?: string[];
  /** Exact e-mail (any case) or phone (any spelling of the same number), through the blind indexes. */
  email?: string;
  phone?: string;
}

const idsIn = (ids: number[]): SQL =>
  ids.length === 0 ? sql`false` : sql`${customers.id} = any(${sql.param(ids)})`;

/**
 * Customer lists and exports: filters, blind-index lookups and name search turned into
 * SQL, pages decrypted. Rows leave here as `Customer`s: ciphertexts and key material
 * never reach a presenter.
 */
export function createCustomerListing(db: Database, vault: CustomerVault) {
  /** The customers whose e-mail (or phone) is exactly `value`: a blind-index bucket, decrypted and checked. */
  async function lookup(field: 'email' | 'phone', value: string): Promise<Customer[]> {
    const bucket = field === 'email' ? vault.blind.email(value) : vault.blind.phone(value);
    const candidates = await repository.customersInBucket(
      db,
      field === 'email' ? 'emailIndex' : 'phoneIndex',
      bucket,
    );
    const same = field === 'email' ? vault.sameEmail : vault.samePhone;
    return candidates.map((row) => customerOf(vault, row)).filter((customer) => same(customer[field], value));
  }

  const idsOf = async (field: 'email' | 'phone', value: string) =>
    (await lookup(field, value)).map((customer) => customer.id);

  /** The conditions of a query beyond the platform's filters, and its params without a search they answer. */
  async function planned(
    query: CustomerQuery,
  ): Promise<{ params: ListParams; scope: SQL | undefined; nameSearch: boolean }> {
    const { params } = query;
    const conditions: (SQL | undefined)[] = [];
    if (query.tags && query.tags.length > 0) conditions.push(arrayOverlaps(customers.tags, query.tags));
    if (query.email !== undefined) conditions.push(idsIn(await idsOf('email', query.email)));
    if (query.phone !== undefined) conditions.push(idsIn(await idsOf('phone', query.phone)));
    const kind = params.search === undefined ? undefined : searchKindOf(params.search);
    if (kind === 'email' || kind === 'phone') {
      conditions.push(idsIn(await idsOf(kind, params.search ?? '')));
      return { params: { ...params, search: undefined }, scope: and(...conditions), nameSearch: false };
    }
    return { params, scope: and(...conditions), nameSearch: kind === 'name' };
  }

  /** The search to run in another order than relevance: the typed words when they match, else the corrected ones. */
  async function withSearchPlan(params: ListParams, scope: SQL | undefined): Promise<ListParams> {
    if (!params.search) return params;
    const allowed = whereOf(customerList, { ...params, search: undefined }, scope) ?? sql`true`;
    const plan = await repository.searchPlan(db, searchPlanStatement(params.search, allowed));
    if (!plan?.term || plan.typed > 0 || plan.corrected === 0) return params;
    return { ...params, search: plan.term };
  }

  return {
    lookup,

    async page(query: CustomerQuery, extraScope?: SQL): Promise<Page<Customer>> {
      const { params, scope: planScope, nameSearch } = await planned(query);
      const scope = and(planScope, extraScope);
      const relevance = params.relevance && nameSearch;
      const effective = relevance ? params : await withSearchPlan(params, scope);
      const allowed = whereOf(customerList, { ...effective, search: undefined }, scope) ?? sql`true`;
      const term = effective.search ?? '';
      const page = await paginate(customerList, effective, scope, {
        rows: relevance
          ? (_where, _orderBy, limit, offset) =>
              repository.rankedCustomers(db, relevanceRanking(term, allowed, limit, offset))
          : (where, orderBy, limit, offset) => repository.listCustomers(db, where, orderBy, limit, offset),
        count: (where) =>
          relevance
            ? repository.scalarInt(db, relevanceCountStatement(term, allowed))
            : repository.countCustomers(db, where),
      });
      return { ...page, rows: page.rows.map((row) => customerOf(vault, row)) };
    },

    /** Every matching customer in keyset batches (exports), decrypted one by one as they stream. */
    async *all(query: CustomerQuery, extraScope?: SQL): AsyncGenerator<Customer> {
      const { params, scope: planScope } = await planned(query);
      const scope = and(planScope, extraScope);
      const effective = await withSearchPlan(params, scope);
      for await (const row of iterateAll(customerList, effective, scope, {
        rows: (where, orderBy, limit, offset) => repository.listCustomers(db, where, orderBy, limit, offset),
      }))
        yield customerOf(vault, row);
    },
  };
}

export type CustomerListing = ReturnType<typeof createCustomerListing>;
