import { Type, type TObject } from '@sinclair/typebox';
import { listQuerySchema, parseListQuery } from '../../platform/http/query.ts';
import type { ApiVersion } from '../../platform/http/versioning.ts';
import type { CustomerQuery } from './customers.listing.ts';
import { customerList } from './customers.repository.ts';
import { customerQueryFields } from './customers.schemas.ts';

/** The list querystring: the platform's (filters, search, order, pages, format) and tag, email, phone. */
export function customerQuerySchema(version: ApiVersion): TObject {
  const base = listQuerySchema(customerList, version);
  return Type.Object(
    { ...base.properties, ...customerQueryFields },
    { additionalProperties: version === 'v1' },
  );
}

export function parseCustomerQuery(query: Record<string, unknown>, version: ApiVersion): CustomerQuery {
  const text = (name: string) => {
    const value = query[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const tag = text('tag');
  return {
    params: parseListQuery(customerList, query, version),
    tags: tag
      ?.split(',')
      .map((value) => value.trim())
      .filter(Boolean),
    email: text('email'),
    phone: text('phone'),
  };
}
