import type {
  FastifyInstance,
  FastifyRequest,
  preHandlerHookHandler,
  preSerializationHookHandler,
  RouteOptions,
} from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import { LRUCache } from 'lru-cache';
import { compileSerializer } from './serialization.ts';
import {
  expandableNames,
  expandOnlyNames,
  locateItem,
  parseShape,
  shapeItem,
  type ResponseShape,
} from './shape.ts';
import { V2_PREFIX } from './versioning.ts';
import { asArray } from './route-hooks.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** `?fields=` / `?expand=` of a v2 read, parsed against its response schema; null without them. */
    responseShape: ResponseShape | null;
  }
}

const NOTHING_EXPANDED: ReadonlySet<string> = new Set();

/** The related objects the caller asked to have in full (`?expand=`): presenters embed those. */
export const expansionsOf = (request: FastifyRequest): ReadonlySet<string> =>
  request.responseShape?.expand ?? NOTHING_EXPANDED;

const FieldsParam = Type.String({
  maxLength: 1000,
  description:
    'Sparse fieldset: comma-separated fields to return (`id` always comes), e.g. `id,title,status`; dotted names select inside a related object (`reporter.username`). An unknown name is a 400.',
});
const expandParam = (names: string[], addedOnly: string[]) =>
  Type.String({
    maxLength: 200,
    description: `Comma-separated related objects to return in full instead of their reference: ${names.join(', ')}.${
      addedOnly.length > 0
        ? ` Present only when expanded, beside the id property they have by default: ${addedOnly.join(', ')}.`
        : ''
    } Loaded in one query per relation, whatever the page size.`,
  });

/** Shaped serializers kept per route: a few shapes per client are common, every combination is not. */
const SHAPES_PER_ROUTE = 64;

/**
 * `?fields=` on every v2 read (GET) whose 200 answer is an object, an array of objects or a
 * v2 page, and `?expand=` where its items have `Expandable` properties. Registered before
 * the modules, it adds the parameters to each such route's querystring schema (so they are
 * validated and documented), parses them before the handler (a bad name is a 400 before any
 * work is done), and serializes the answer with a compiled serializer of the shaped schema.
 * A request without them takes the route's own serializer: the default path is unchanged.
 */
export function shapeControls(app: FastifyInstance): void {
  app.decorateRequest('responseShape', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = asArray(route.method);
    if (!route.url.startsWith(V2_PREFIX) || !methods.every((method) => method === 'GET' || method === 'HEAD'))
      return;
    const schema = (route.schema ?? {}) as {
      response?: Record<string, unknown>;
      querystring?: TSchema;
      hide?: boolean;
    };
    const location = locateItem(schema.response?.['200']);
    const query = (schema.querystring ?? Type.Object({})) as TSchema & {
      properties?: Record<string, TSchema>;
    };
    if (!location || schema.hide || 'fields' in (query.properties ?? {})) return;
    const expandable = expandableNames(location.item);
    route.schema = {
      ...route.schema,
      querystring: {
        ...query,
        properties: {
          ...query.properties,
          fields: Type.Optional(FieldsParam),
          ...(expandable.length > 0 && {
            expand: Type.Optional(expandParam(expandable, expandOnlyNames(location.item))),
          }),
        },
      },
    };

    const serializers = new LRUCache<string, (payload: unknown) => string>({ max: SHAPES_PER_ROUTE });
    const parse: preHandlerHookHandler = (request, _reply, done) => {
      const { fields, expand } = request.query as { fields?: string; expand?: string };
      if (fields === undefined && expand === undefined) {
        done();
        return;
      }
      try {
        request.responseShape = parseShape(location.item, { fields, expand }) ?? null;
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    };
    const serialize: preSerializationHookHandler = (request, reply, payload, done) => {
      const shape = request.responseShape;
      if (shape && reply.statusCode === 200) {
        let serializer = serializers.get(shape.key);
        if (!serializer) {
          serializer = compileSerializer(location.rebuild(shapeItem(location.item, shape)));
          serializers.set(shape.key, serializer);
        }
        reply.serializer(serializer);
      }
      done(null, payload);
    };
    route.preHandler = [...asArray(route.preHandler), parse];
    route.preSerialization = [...asArray(route.preSerialization), serialize];
  });
}
