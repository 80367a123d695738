import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { fieldError } from '../../platform/http/errors.ts';
import { DateTime, IdParams, Nullable } from '../../platform/http/schemas.ts';
import type { Availability, AvailabilityService } from './rentals.availability.ts';

export interface AvailabilityRouteOptions {
  availability: AvailabilityService;
}

const tags = ['rentals'];

const AvailabilityQuery = Type.Object({
  from: Type.String({ description: 'ISO 8601 datetime with offset, or a date (its UTC midnight).' }),
  to: Type.String({ description: 'ISO 8601 datetime with offset, or a date (its UTC midnight); exclusive.' }),
});

const AvailabilityBody = Type.Object(
  {
    product_id: Type.Integer(),
    from: DateTime,
    to: DateTime,
    units: Type.Integer({ description: 'Units that are not retired.' }),
    intervals: Type.Array(
      Type.Object({ start: DateTime, end: DateTime, free: Type.Integer(), closed: Type.Boolean() }),
    ),
    items: Type.Array(
      Type.Object({
        id: Type.Integer(),
        serial_number: Type.String(),
        status: Type.String(),
        busy: Type.Array(
          Type.Object({
            start: DateTime,
            end: DateTime,
            reason: Type.Union([
              Type.Literal('booked'),
              Type.Literal('maintenance'),
              Type.Literal('retired'),
              Type.Literal('calendar_closed'),
            ]),
            order_id: Nullable(Type.Integer()),
          }),
        ),
      }),
    ),
  },
  { title: 'RentalAvailability' },
);

function instant(field: string, text: string): Date {
  const value = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(value.getTime())) throw fieldError(field, 'Use an ISO 8601 datetime or a date.');
  return value;
}

const present = (a: Availability): Static<typeof AvailabilityBody> => ({
  product_id: a.productId,
  from: a.from.toISOString(),
  to: a.to.toISOString(),
  units: a.units,
  intervals: a.intervals.map((i) => ({
    start: i.start.toISOString(),
    end: i.end.toISOString(),
    free: i.free,
    closed: i.closed,
  })),
  items: a.items.map((item) => ({
    id: item.id,
    serial_number: item.serialNumber,
    status: item.status,
    busy: item.busy.map((b) => ({
      start: b.start.toISOString(),
      end: b.end.toISOString(),
      reason: b.reason,
      order_id: b.orderId,
    })),
  })),
});

const route = (url: string): FastifyPluginAsyncTypebox<AvailabilityRouteOptions> =>
  function availabilityRoute(app, { availability }) {
    app.get(
      url,
      {
        config: { permission: 'rentals:read' },
        schema: {
          tags,
          summary:
            'Free units of a product per interval of [from, to), and per unit when and why it is not free (booked incl. buffers, maintenance, retired, calendar closed).',
          params: IdParams,
          querystring: AvailabilityQuery,
          response: { 200: AvailabilityBody },
        },
      },
      async (request) =>
        present(
          await availability(
            request.params.id,
            instant('from', request.query.from),
            instant('to', request.query.to),
          ),
        ),
    );
    return Promise.resolve();
  };

export const availabilityRoutesV1 = route('/catalog/products/:id/availability/');
export const availabilityRoutesV2 = route('/catalog/products/:id/availability');
