import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { SitesService } from './sites.service.ts';

/** What the v1 and v2 site routes (sites.routes.v1.ts, sites.routes.v2.ts) share. */

export interface SitesRouteOptions {
  sites: SitesService;
}

export const tags = ['sites'];
export const Deleted = { 204: Type.Null({ description: 'Deleted.' }) };

export type UpdateRequest<Body> = FastifyRequest<{ Params: { id: number }; Body: Body }>;
