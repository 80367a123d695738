import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { checkedEmail, type ComposedEmail, type ComposedMailService } from './notifications.mail.ts';
import {
  EmailQueued,
  SendEmailV1Body,
  SendEmailV2Body,
  type SendEmailV2Body as SendEmailInput,
} from './notifications.mail.schemas.ts';

export interface MailRouteOptions {
  mail: ComposedMailService;
  /** The per-person limit every mail route shares (see `mailRateLimit`). */
  rateLimit: MailRateLimit;
}

const tags = ['notifications'];
const permission = 'mail:send';
const HOUR_MS = 3_600_000;

export type MailRateLimit = (app: FastifyInstance) => preHandlerAsyncHookHandler[];

/**
 * `maxPerHour` messages per person (0: no limit), whichever process or address they
 * call from. One counter serves every mail route: a route's own `config.rateLimit`
 * would count v1 under `/api/` and `/api/v1/` and v2 apart.
 */
export function mailRateLimit(maxPerHour: number): MailRateLimit {
  let handler: preHandlerAsyncHookHandler | undefined;
  return (app) => {
    if (maxPerHour === 0) return [];
    handler ??= app.rateLimit({
      max: maxPerHour,
      timeWindow: HOUR_MS,
      keyGenerator: (request: FastifyRequest) => `mail:${request.actor?.userId ?? request.ip}`,
    });
    return [handler];
  };
}

/** Refused input is refused before the rate limit counts it: a mistyped address costs nothing. */
const checkFirst: preHandlerAsyncHookHandler = (request) => {
  // Runs after schema validation: the body has the schema's shape.
  checkedEmail(request.body as ComposedEmail);
  return Promise.resolve();
};

async function queue(
  mail: ComposedMailService,
  request: FastifyRequest,
  body: SendEmailInput,
): Promise<EmailQueued> {
  const { jobId, to } = await mail.send(contextOf(request), body);
  return { job_id: jobId, status: 'queued', to };
}

const summary =
  'Queue an e-mail (staff and managers): one message to every address in `to`, with an optional HTML ' +
  'alternative, sent by a background job. 202 with the job id; rate-limited per person.';

/** `POST /api/send-email/`, as the BMS frontend calls it. */
export const mailRoutesV1: FastifyPluginAsyncTypebox<MailRouteOptions> = (app, { mail, rateLimit }) => {
  app.post(
    '/send-email/',
    {
      config: { permission },
      preHandler: [checkFirst, ...rateLimit(app)],
      schema: { tags, summary, body: SendEmailV1Body, response: { 202: EmailQueued } },
    },
    async (request, reply) => {
      const { html, ...rest } = request.body;
      return reply.code(202).send(await queue(mail, request, { ...rest, ...(html != null && { html }) }));
    },
  );
  return Promise.resolve();
};

/** `POST /api/v2/emails`: the same, with problem+json errors and strict bodies. */
export const mailRoutesV2: FastifyPluginAsyncTypebox<MailRouteOptions> = (app, { mail, rateLimit }) => {
  app.post(
    '/emails',
    {
      config: { permission },
      preHandler: [checkFirst, ...rateLimit(app)],
      schema: { tags, summary, body: SendEmailV2Body, response: { 202: EmailQueued } },
    },
    async (request, reply) => reply.code(202).send(await queue(mail, request, request.body)),
  );
  return Promise.resolve();
};
