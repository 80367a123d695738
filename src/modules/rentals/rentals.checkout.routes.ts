import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { contentDisposition } from '../../platform/files/index.ts';
import { setEtag } from '../../platform/http/etag.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { receiveFile } from '../../platform/http/uploads.ts';
import {
  HandoverList,
  HandoverResult,
  PhotoSchema,
  PickupBody,
  presentHandover,
  presentPhoto,
  ReturnBody,
} from './rentals.checkout.schemas.ts';
import type { CheckoutService, ReturnItem } from './rentals.checkout.service.ts';
import type { Handover } from './rentals.checkout.tables.ts';
import { presentOrder } from './rentals.orders.schemas.ts';
import type { OrdersService } from './rentals.orders.service.ts';

export interface CheckoutRouteOptions {
  checkout: CheckoutService;
  orders: Pick<OrdersService, 'getOrder'>;
}

const tags = ['rentals'];
const PhotoParams = Type.Object({ id: IdParams.properties.id, photoId: IdParams.properties.id });

type ReturnBodyItem = NonNullable<Static<typeof ReturnBody>['items']>[number];

const handoverItem = (item: ReturnBodyItem): ReturnItem => ({
  stockItemId: item.stock_item,
  condition: item.condition,
  notes: item.notes,
  photoIds: item.photos,
  damage: item.damage,
  maintenance: item.maintenance,
});

/** Pickup and return per stock item, with desk photos (v2). */
export const checkoutRoutesV2: FastifyPluginAsyncTypebox<CheckoutRouteOptions> = async (
  app,
  { checkout, orders },
) => {
  const result = async (orderId: number, made: Handover[], reply: FastifyReply) => {
    const order = await orders.getOrder(orderId);
    setEtag(reply, order.version);
    return { order: presentOrder(order), handovers: made.map(presentHandover) };
  };

  // A handover runs the same way in both directions; a pickup body simply has no damage or
  // maintenance for handoverItem to carry.
  const directions = [
    {
      path: 'pickup',
      summary:
        'Check stock items out to the customer (condition, notes, photos); the order is picked up when its last unit is out. 409 when the order is not reserved or a unit is not its own or already out.',
      body: PickupBody,
      run: 'pickUp',
    },
    {
      path: 'return',
      summary:
        "Check stock items back in: a return past the due time plus the product's grace is charged the late fee per started hour or day, damage as entered (both in the ledger); the booking ends at the return. The order is returned when its last unit is back.",
      body: ReturnBody,
      run: 'returnItems',
    },
  ] as const;
  for (const { path, summary, body, run } of directions) {
    app.post(
      `/orders/:id/${path}`,
      {
        config: { permission: 'rentals:write' },
        schema: { tags, summary, params: IdParams, body, response: { 200: HandoverResult } },
      },
      async (request, reply) => {
        const made = await checkout[run](
          contextOf(request),
          request.params.id,
          request.body.items?.map(handoverItem),
        );
        return result(request.params.id, made, reply);
      },
    );
  }

  app.get(
    '/orders/:id/handovers',
    {
      config: { permission: 'rentals:read' },
      schema: {
        tags,
        summary: "The order's pickups and returns per stock item, and its desk photos.",
        params: IdParams,
        response: { 200: HandoverList },
      },
    },
    async (request) => {
      const { handovers, photos } = await checkout.handovers(request.params.id);
      return { handovers: handovers.map(presentHandover), photos: photos.map(presentPhoto) };
    },
  );

  app.post(
    '/orders/:id/photos',
    {
      config: { permission: 'rentals:write', upload: true },
      schema: {
        tags,
        summary:
          'Upload one desk photo (multipart/form-data, field "file"); name its id in a pickup or return.',
        params: IdParams,
        response: { 201: PhotoSchema },
      },
    },
    async (request, reply) => {
      const photo = await checkout.addPhoto(
        contextOf(request),
        request.params.id,
        await receiveFile(request),
      );
      return reply.code(201).send(presentPhoto(photo));
    },
  );

  app.get(
    '/orders/:id/photos/:photoId',
    {
      config: { permission: 'rentals:read' },
      schema: { tags, summary: "A desk photo's bytes.", params: PhotoParams },
    },
    async (request, reply) => {
      const { photo, stream } = await checkout.openPhoto(request.params.id, request.params.photoId);
      reply.header('content-disposition', contentDisposition(photo.filename));
      reply.header('cache-control', 'private, no-store');
      return reply.type(photo.contentType).send(stream);
    },
  );
};
