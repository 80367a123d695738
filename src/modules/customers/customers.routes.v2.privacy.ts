import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { setEtag } from '../../platform/http/etag.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentAuditEntry } from '../audit/index.ts';
import type { DuplicateFinder } from './customers.duplicates.ts';
import type { CustomerMerge } from './customers.merge.ts';
import type { Customer } from './customers.pii.ts';
import { displayName, presentCustomerV2 } from './customers.presenters.ts';
import type { CustomerPrivacy } from './customers.privacy.ts';
import {
  DuplicatesPageV2,
  DuplicatesQuery,
  MergeBody,
  PrivacyExportV2,
} from './customers.privacy.schemas.ts';
import { CustomerV2 } from './customers.schemas.ts';
import type { CustomersService } from './customers.service.ts';

export interface CustomerPrivacyRouteOptions {
  customers: Pick<CustomersService, 'getMany' | 'viewFor'>;
  privacy: CustomerPrivacy;
  merge: CustomerMerge;
  duplicates: DuplicateFinder;
}

const tags = ['customers'];
const ref = (customer: Customer | undefined, id: number) => ({
  id,
  kind: customer?.kind ?? 'person',
  display_name: customer ? displayName(customer) : '',
});

/** `/api/v2/customers`: duplicates and merge, privacy export and erasure. */
export const customerPrivacyRoutesV2: FastifyPluginAsyncTypebox<CustomerPrivacyRouteOptions> = (
  app,
  { customers, privacy, merge, duplicates },
) => {
  app.get(
    '/customers/duplicates',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary:
          'Likely duplicate pairs, newest first: same e-mail or phone (exact), or similar names of the same kind. Cursor pages.',
        querystring: DuplicatesQuery,
        response: { 200: DuplicatesPageV2 },
      },
    },
    async (request) => {
      const { cursor, limit = 50 } = request.query;
      const page = await duplicates.page({
        cursor: cursor === undefined ? undefined : Number(cursor),
        limit,
      });
      const named = new Map(
        (await customers.getMany(page.pairs.flatMap((pair) => [pair.customerId, pair.duplicateId]))).map(
          (customer) => [customer.id, customer],
        ),
      );
      return {
        data: page.pairs.map((pair) => ({
          customer: ref(named.get(pair.customerId), pair.customerId),
          duplicate: ref(named.get(pair.duplicateId), pair.duplicateId),
          reasons: pair.reasons,
          name_similarity: pair.nameSimilarity,
        })),
        next_cursor: page.nextCursor === null ? null : String(page.nextCursor),
        has_more: page.nextCursor !== null,
      };
    },
  );

  app.post(
    '/customers/:id/merge',
    {
      config: { permission: 'customers:merge' },
      schema: {
        tags,
        summary:
          "Merge `duplicate_id` into this customer: its tickets, rental orders, contacts and tags move here, this customer's empty fields are filled from it, and it is deleted (its id then answers 404 `CUSTOMERS_MERGED` with `merged_into_id`).",
        params: IdParams,
        body: MergeBody,
        response: { 200: CustomerV2 },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(request);
      const survivor = await merge(ctx, request.params.id, request.body.duplicate_id);
      setEtag(reply, survivor.version);
      return presentCustomerV2(customers.viewFor(ctx.actor)(survivor));
    },
  );

  app.get(
    '/customers/:id/privacy-export',
    {
      config: { permission: 'customers:privacy' },
      schema: {
        tags,
        summary:
          'Everything held about a customer, decrypted: the record, contacts, consent history, tickets, rental orders and audit entries (a subject access request). The read is audited.',
        params: IdParams,
        response: { 200: PrivacyExportV2 },
      },
    },
    async (request, reply) => {
      const held = await privacy.exportOf(contextOf(request), request.params.id);
      reply.header('cache-control', 'no-store');
      return {
        exported_at: new Date().toISOString(),
        erased: held.erasedAt !== null,
        erased_at: held.erasedAt?.toISOString() ?? null,
        customer: presentCustomerV2(held.customer),
        merged_from: held.mergedFrom,
        contacts: held.contacts.map(presentCustomerV2),
        consent_history: held.consentHistory.map((change) => ({
          granted: change.granted,
          at: change.at.toISOString(),
          source: change.source,
        })),
        tickets: (held.records.tickets ?? []) as { id: number }[],
        rental_orders: (held.records.rental_orders ?? []) as { id: number }[],
        audit: held.audit.map(presentAuditEntry),
      };
    },
  );

  app.post(
    '/customers/:id/erase',
    {
      config: { permission: 'customers:privacy' },
      schema: {
        tags,
        summary:
          'Erase a customer: their data key, every encrypted field and blind index destroyed, names replaced by a placeholder; the id, tickets, orders and audit trail stay. Repeating it changes nothing.',
        params: IdParams,
        response: { 200: CustomerV2 },
      },
    },
    async (request, reply) => {
      const erased = await privacy.erase(contextOf(request), request.params.id);
      setEtag(reply, erased.version);
      return presentCustomerV2(erased);
    },
  );
  return Promise.resolve();
};
