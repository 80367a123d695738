import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { OrderEditing } from './rentals.orders.edit.ts';
import { Order, OrderCreateBody, presentOrder } from './rentals.orders.schemas.ts';

const OrderPatchBody = Type.Partial(Type.Omit(OrderCreateBody, ['status']), {
  title: 'RentalOrderPatch',
  additionalProperties: false,
});

/** `PATCH /api/v2/orders/:id`: a draft edited and priced again (If-Match required). */
export const orderEditRoutesV2: FastifyPluginAsyncTypebox<{ editDraft: OrderEditing }> = async (
  app,
  { editDraft },
) => {
  app.patch(
    '/orders/:id',
    {
      config: { permission: 'rentals:write' },
      schema: {
        tags: ['rentals'],
        summary:
          'Edit a draft order (customer, dates, items, discount, tax, notes): it is checked and priced again. 409 once reserved.',
        params: IdParams,
        body: OrderPatchBody,
        response: { 200: Order },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const version = expectedVersion(request, 'v2');
      const discount = body.discount;
      const order = await withVersionCheck('v2', presentOrder, () =>
        editDraft(
          contextOf(request),
          request.params.id,
          {
            customerId: body.customer,
            rentalStart: body.rental_start,
            rentalEnd: body.rental_end,
            items: body.items?.map((item) => ({ productId: item.product, quantity: item.quantity })),
            discount:
              discount === undefined
                ? undefined
                : discount === null
                  ? null
                  : discount.kind === 'percent'
                    ? { kind: 'percent', basisPoints: discount.basis_points }
                    : { kind: 'amount', amount: discount.amount },
            taxRateBp: body.tax_rate_bp,
            notes: body.notes,
          },
          version,
        ),
      );
      setEtag(reply, order.version);
      return presentOrder(order);
    },
  );
};
