import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { expectedVersion, setEtag, withVersionCheck } from '../../platform/http/etag.ts';
import { sendList } from '../../platform/http/negotiation.ts';
import { v2PageSchema } from '../../platform/http/pagination.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { Customer } from './customers.pii.ts';
import { presentCustomerV2 } from './customers.presenters.ts';
import { customerQuerySchema, parseCustomerQuery } from './customers.query.ts';
import type { CustomersRouteOptions } from './customers.routes.v1.ts';
import {
  ContactCreateBody,
  CustomerCreateBody,
  CustomerUpdateBody,
  CustomerV2,
  inputOfV2,
} from './customers.schemas.ts';

type CustomerV2Body = ReturnType<typeof presentCustomerV2>;

const tags = ['customers'];

function sendCustomer(
  reply: FastifyReply,
  customer: Customer,
  present: (customer: Customer) => CustomerV2Body,
) {
  setEtag(reply, customer.version);
  return present(customer);
}

/** `/api/v2/customers`: cursor pages, ETag on every customer, If-Match on every change, and an organisation's contacts. */
export const customersRoutesV2: FastifyPluginAsyncTypebox<CustomersRouteOptions> = (app, { customers }) => {
  /** The v2 presenter for the caller: e-mail and phone masked without `customers:pii`. */
  const presenterFor = (request: FastifyRequest) => {
    const view = customers.viewFor(contextOf(request).actor);
    return (customer: Customer) => presentCustomerV2(view(customer));
  };

  app.get(
    '/customers',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary:
          'Customers, newest first; with ?search= and no sort, best matches first (names and company by prefix, with typo correction; e-mail and phone exact). JSON, CSV, XML or NDJSON.',
        querystring: customerQuerySchema('v2'),
        response: { 200: v2PageSchema(CustomerV2) },
      },
    },
    (request, reply) => {
      const query = parseCustomerQuery(request.query, 'v2');
      return sendList(request, reply, {
        page: () => customers.list(query),
        all: () => customers.all(query),
        present: presenterFor(request),
        item: CustomerV2,
        filename: 'customers',
      });
    },
  );

  app.get(
    '/customers/:id',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary: 'One customer, with its ETag.',
        params: IdParams,
        response: { 200: CustomerV2 },
      },
    },
    async (request, reply) =>
      sendCustomer(reply, await customers.get(request.params.id), presenterFor(request)),
  );

  app.post(
    '/customers',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags,
        summary: 'Create a customer.',
        body: CustomerCreateBody,
        response: { 201: CustomerV2 },
      },
    },
    async (request, reply) => {
      const customer = await customers.create(contextOf(request), inputOfV2(request.body));
      reply.header('location', `/api/v2/customers/${customer.id}`);
      return reply.code(201).send(sendCustomer(reply, customer, presenterFor(request)));
    },
  );

  app.patch(
    '/customers/:id',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags,
        summary:
          'Update a customer; requires If-Match (412 with the current customer when stale, 428 without).',
        params: IdParams,
        body: CustomerUpdateBody,
        response: { 200: CustomerV2 },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      const present = presenterFor(request);
      const customer = await withVersionCheck('v2', present, () =>
        customers.update(contextOf(request), request.params.id, inputOfV2(request.body), version),
      );
      return sendCustomer(reply, customer, present);
    },
  );

  app.delete(
    '/customers/:id',
    {
      config: { permission: 'customers:delete' },
      schema: {
        tags,
        summary: "Delete a customer; requires If-Match. An organisation's contacts stay, unlinked.",
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted.' }) },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request, 'v2');
      await withVersionCheck('v2', presenterFor(request), () =>
        customers.remove(contextOf(request), request.params.id, version),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/customers/:id/contacts',
    {
      config: { permission: 'customers:read' },
      schema: {
        tags,
        summary: "An organisation's contacts (404 for a person). JSON, CSV, XML or NDJSON.",
        params: IdParams,
        querystring: customerQuerySchema('v2'),
        response: { 200: v2PageSchema(CustomerV2) },
      },
    },
    (request, reply) => {
      const query = parseCustomerQuery(request.query, 'v2');
      const { id } = request.params;
      return sendList(request, reply, {
        page: () => customers.listContacts(id, query),
        all: () => customers.allContacts(id, query),
        present: presenterFor(request),
        item: CustomerV2,
        filename: `customer-${id}-contacts`,
      });
    },
  );

  app.post(
    '/customers/:id/contacts',
    {
      config: { permission: 'customers:write' },
      schema: {
        tags,
        summary: 'Create a person as a contact of this organisation.',
        params: IdParams,
        body: ContactCreateBody,
        response: { 201: CustomerV2 },
      },
    },
    async (request, reply) => {
      const contact = await customers.createContact(
        contextOf(request),
        request.params.id,
        inputOfV2(request.body),
      );
      reply.header('location', `/api/v2/customers/${contact.id}`);
      return reply.code(201).send(sendCustomer(reply, contact, presenterFor(request)));
    },
  );
  return Promise.resolve();
};
