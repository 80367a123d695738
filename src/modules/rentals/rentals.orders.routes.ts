import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema, v2PageSchema } from '../../platform/http/pagination.ts';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { ApiVersion } from '../../platform/http/versioning.ts';
import { orderList } from './rentals.orders.repository.ts';
import {
  Order,
  OrderCreateBody,
  orderInput,
  presentOrder,
  TransitionBody,
} from './rentals.orders.schemas.ts';
import type { OrdersService } from './rentals.orders.service.ts';
import { TRANSITION_NAMES } from './rentals.state.ts';

export interface OrdersRouteOptions {
  orders: OrdersService;
}

const tags = ['rentals'];

/** Orders in either API version: v1 with trailing slashes and page numbers, v2 with cursors and ETags. */
const ordersRoutes =
  (api: ApiVersion): FastifyPluginAsyncTypebox<OrdersRouteOptions> =>
  (app, { orders }) => {
    const slash = api === 'v1' ? '/' : '';
    app.get(
      `/orders${slash}`,
      {
        config: { permission: 'rentals:read' },
        schema: {
          tags,
          summary: 'Rental orders with their lines, held stock items and totals (minor units).',
          querystring: listQuerySchema(orderList, api),
          response: { 200: api === 'v1' ? v1PageSchema(Order) : v2PageSchema(Order) },
        },
      },
      (request, reply) => {
        const params = parseListQuery(orderList, request.query, api);
        return sendList(request, reply, {
          page: () => orders.listOrders(params),
          all: () => orders.allOrders(params),
          present: presentOrder,
          item: Order,
          filename: 'rental-orders',
        });
      },
    );
    app.get(
      `/orders/:id${slash}`,
      {
        config: { permission: 'rentals:read' },
        schema: { tags, summary: 'One rental order.', params: IdParams, response: { 200: Order } },
      },
      async (request, reply) => {
        const order = await orders.getOrder(request.params.id);
        if (api === 'v2') setEtag(reply, order.version);
        return presentOrder(order);
      },
    );
    app.post(
      `/orders${slash}`,
      {
        config: { permission: 'rentals:write' },
        schema: {
          tags,
          summary:
            'Create an order, priced from the catalog; reserved at once (stock booked) unless status is draft. 409 when not enough units are free.',
          body: OrderCreateBody,
          response: { 201: Order },
        },
      },
      async (request, reply) => {
        const order = await orders.createOrder(contextOf(request), orderInput(request.body));
        if (api === 'v2') {
          setEtag(reply, order.version);
          reply.header('location', `/api/v2/orders/${order.id}`);
        }
        return reply.code(201).send(presentOrder(order));
      },
    );
    for (const name of TRANSITION_NAMES) {
      // v2 returns per stock item, charging late fees (rentals.checkout.routes.ts).
      if (api === 'v2' && name === 'return') continue;
      app.post(
        `/orders/:id/${name.replace('_', '-')}${slash}`,
        {
          config: { permission: 'rentals:write' },
          schema: {
            tags,
            summary: `Order lifecycle: ${name.replace('_', ' ')}. 409 names the allowed transitions when this one is not.${api === 'v2' ? ' If-Match is checked when sent.' : ''}`,
            params: IdParams,
            body: TransitionBody,
            response: { 200: Order },
          },
        },
        async (request, reply) => {
          const version =
            api === 'v2'
              ? request.headers['if-match']
                ? expectedVersion(request, 'v2')
                : undefined
              : expectedVersion(request, 'v1', request.body.version);
          const order = await withVersionCheck(api, presentOrder, () =>
            orders.transition(contextOf(request), request.params.id, name, version),
          );
          if (api === 'v2') setEtag(reply, order.version);
          return presentOrder(order);
        },
      );
    }
    return Promise.resolve();
  };

export const ordersRoutesV1 = ordersRoutes('v1');
export const ordersRoutesV2 = ordersRoutes('v2');
