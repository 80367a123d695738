import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { setEtag } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { Static } from '@sinclair/typebox';
import { presentAuditEntry } from '../audit/index.ts';
import type { DuplicateFinder } from './customers.duplicates.ts';
import type { CustomerMerge } from './customers.merge.ts';
import type { Customer } from './customers.pii.ts';
import { displayName, presentCustomerV2 } from './customers.presenters.ts';
import type { CustomerPrivacy } from './customers.privacy.ts';
import {
  DuplicatePairV2,
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
type DuplicatePairJson = Static<typeof DuplicatePairV2>;
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
    (request, reply) => {
      const { cursor, limit = 50 } = request.query;
      const pageFrom = async (
        from: number | undefined,
      ): Promise<{ rows: DuplicatePairJson[]; next: number | null }> => {
        const page = await duplicates.page({ cursor: from, limit });
        const named = new Map(
          (await customers.getMany(page.pairs.flatMap((pair) => [pair.customerId, pair.duplicateId]))).map(
            (customer) => [customer.id, customer],
          ),
        );
        const rows = page.pairs.map((pair) => ({
          customer: ref(named.get(pair.customerId), pair.customerId),
          duplicate: ref(named.get(pair.duplicateId), pair.duplicateId),
          reasons: pair.reasons,
          name_similarity: pair.nameSimilarity,
        }));
        return { rows, next: page.nextCursor };
      };
      return sendList(request, reply, {
        page: async () => {
          const { rows, next } = await pageFrom(cursor === undefined ? undefined : Number(cursor));
          return { kind: 'cursor', rows, nextCursor: next === null ? null : String(next) };
        },
        async *all() {
          let from: number | undefined;
          do {
            const { rows, next } = await pageFrom(from);
            yield* rows;
            from = next ?? undefined;
          } while (from !== undefined);
        },
        present: (pair) => pair,
        item: DuplicatePairV2,
        filename: 'customer-duplicates',
      });
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
