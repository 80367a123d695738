import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v1PageSchema } from '../../platform/http/pagination.ts';
import { definedOnly, IdParams, relationId } from '../../platform/http/schemas.ts';
import type { Customer } from './customers.pii.ts';
import { presentCustomerV1 } from './customers.presenters.ts';
import { customerQuerySchema, parseCustomerQuery } from './customers.query.ts';
import { addressOf, CustomerV1, CustomerV1Body } from './customers.schemas.ts';
import type { CustomersService } from './customers.service.ts';
import type { CustomerInput } from './customers.validation.ts';

export interface CustomersRouteOptions {
  customers: CustomersService;
}

const tags = ['customers'];

/** v1 sends null for an emptied field; text columns hold '' instead. */
const text = (value: string | null | undefined) => (value === null ? '' : value);

function inputV1(body: CustomerV1Body): CustomerInput {
  return definedOnly<CustomerInput>({
    kind: body.kind,
    firstName: text(body.first_name),
    lastName: text(body.last_name),
    company: text(body.company),
    organisationId: body.organisation_id !== undefined ? body.organisation_id : relationId(body.organisation),
    email: body.email,
    phone: body.phone,
    addresses: body.addresses === null ? [] : body.addresses?.map(addressOf),
    dateOfBirth: body.date_of_birth === '' ? null : body.date_of_birth,
    notes: text(body.notes),
    tags: body.tags === null ? [] : body.tags,
    ownerId: body.owner_id !== undefined ? body.owner_id : relationId(body.owner),
    status: body.status,
    marketingConsent: body.marketing_consent,
    marketingConsentSource: body.marketing_consent_source,
  });
}

/**
 * `/api/customers/`: a DRF ModelViewSet (list, create, retrieve, update, partial_update,
 * destroy). `version` is read-only: sent back on update it makes the write conditional,
 * and a stale one is a 409 whose `current` is the customer as it now is.
 */
export const customersRoutesV1: FastifyPluginAsyncTypebox<CustomersRouteOptions> = (app, { customers }) => {
  /** The v1 presenter for the caller: e-mail and phone masked without `customers:pii`. */
  const presenterFor = (request: FastifyRequest) => {
    const view = customers.viewFor(contextOf(request).actor);
    return (customer: Customer) => presentCustomerV1(view(customer));
  };

  app.get(
    '/customers/',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary:
          'Customers, newest first; ?search= matches names and company (prefix, typos) or an exact e-mail or phone. JSON, CSV, XML or NDJSON.',
        querystring: customerQuerySchema('v1'),
        response: { 200: v1PageSchema(CustomerV1) },
      },
    },
    (request, reply) => {
      const query = parseCustomerQuery(request.query, 'v1');
      return sendList(request, reply, {
        page: () => customers.list(query),
        all: () => customers.all(query),
        present: presenterFor(request),
        item: CustomerV1,
        filename: 'customers',
      });
    },
  );

  app.get(
    '/customers/:id/',
    {
      config: { permission: 'customers:read' },
      schema: { tags, summary: 'One customer.', params: IdParams, response: { 200: CustomerV1 } },
    },
    async (request) => presenterFor(request)(await customers.get(request.params.id)),
  );

  app.post(
    '/customers/',
    {
      config: { permission: 'customers:write' },
      schema: { tags, summary: 'Create a customer.', body: CustomerV1Body, response: { 201: CustomerV1 } },
    },
    async (request, reply) => {
      const customer = await customers.create(contextOf(request), inputV1(request.body));
      return reply.code(201).send(presenterFor(request)(customer));
    },
  );

  const update = async (request: FastifyRequest<{ Params: { id: number }; Body: CustomerV1Body }>) => {
    const version = expectedVersion(request, 'v1', request.body.version);
    const present = presenterFor(request);
    const customer = await withVersionCheck('v1', present, () =>
      customers.update(contextOf(request), request.params.id, inputV1(request.body), version),
    );
    return present(customer);
  };
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route({
      method,
      url: '/customers/:id/',
      config: { permission: 'customers:write' },
      schema: {
        tags,
        summary: `${method === 'PUT' ? 'Update' : 'Partially update'} a customer; a stale version is a 409 with the current customer.`,
        params: IdParams,
        body: CustomerV1Body,
        response: { 200: CustomerV1 },
      },
      handler: update,
    });
  }

  app.delete(
    '/customers/:id/',
    {
      config: { permission: 'customers:delete' },
      schema: {
        tags,
        summary: "Delete a customer; an organisation's contacts stay, unlinked.",
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      await customers.remove(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  return Promise.resolve();
};
