import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Browser, TestApp } from './app.ts';

export interface KeyCreated {
  id: number;
  prefix: string;
  scopes: string[];
  key: string;
}

let accounts = 0;

/** Service accounts and their keys through the admin API, as an operator makes them. */
export function apiKeyHelpers(t: TestApp, admin: Browser) {
  return {
    /** A new service account (role viewer unless `body` says otherwise); its id. */
    serviceAccount: async (body: Record<string, unknown> = {}): Promise<number> => {
      accounts += 1;
      const response = await admin.post('/api/v2/service-accounts', {
        name: `svc-${accounts}-${Math.random().toString(36).slice(2, 7)}`,
        ...body,
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ id: number }>().id;
    },

    newKey: async (accountId: number, body: Record<string, unknown>): Promise<KeyCreated> => {
      const response = await admin.post(`/api/v2/service-accounts/${accountId}/keys`, {
        name: 'ci',
        ...body,
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<KeyCreated>();
    },

    revoke: (accountId: number, keyId: number) =>
      admin.delete(`/api/v2/service-accounts/${accountId}/keys/${keyId}`),

    /** A request authenticated by `X-API-Key` only: no cookie, no CSRF token. */
    withKey: (
      key: string,
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
      headers: Record<string, string> = {},
    ): Promise<LightMyRequestResponse> =>
      t.app.inject({
        method,
        url,
        headers: { 'x-api-key': key, ...headers },
        ...(payload !== undefined && { payload: payload as object }),
      }),

    /** The audit entries of `action` on one resource. */
    auditOf: async (action: string, resourceId: number) => {
      const { rows } = await t.database.pool.query<{ actor_label: string; before: unknown; after: unknown }>(
        'SELECT actor_label, before, after FROM audit_log WHERE action = $1 AND resource_id = $2 ORDER BY id',
        [action, String(resourceId)],
      );
      return rows;
    },
  };
}
