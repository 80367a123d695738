import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { setEtag } from '../../platform/http/etag.ts';
import { presentUserV2 } from './identity.presenters.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';
import {
  Detail,
  EmailChangeBody,
  EmailConfirmBody,
  PasswordChangeBody,
  PasswordResetBody,
  PasswordResetConfirmBody,
} from './identity.schemas.account.ts';
import { UserV2 } from './identity.schemas.ts';

const meta = (request: FastifyRequest) => ({
  requestId: request.id,
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

const RESET_ACCEPTED = 'If an active account has this address, a code to reset its password is on its way.';

/**
 * `/api/v2/auth/password-reset[/confirm]` (public) and `/api/v2/me/password`,
 * `/api/v2/me/email[/confirm]`: passwords and addresses changed by their owner.
 */
export const accountRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (
  app,
  { identity, loginRateLimitPerMinute },
) => {
  app.post(
    '/auth/password-reset',
    {
      config: {
        public: true,
        // Per client IP and address, like logins: bounds the mail one caller can make anyone receive.
        ...(loginRateLimitPerMinute > 0 && {
          rateLimit: {
            max: loginRateLimitPerMinute,
            timeWindow: 60_000,
            hook: 'preHandler' as const,
            keyGenerator: (request: FastifyRequest) =>
              `password-reset:${request.ip}:${String((request.body as { email?: unknown }).email).toLowerCase()}`,
          },
        }),
      },
      schema: {
        tags: ['auth'],
        summary:
          'Ask for a password-reset code by mail. Always 202: the answer never says whether the address exists.',
        body: PasswordResetBody,
        response: { 202: Detail },
      },
    },
    async (request, reply) => {
      await identity.requestPasswordReset(meta(request), request.body.email);
      return reply.code(202).send({ detail: RESET_ACCEPTED });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary:
          'Set a new password with the mailed code (single use, 15 minutes); ends every session and token.',
        body: PasswordResetConfirmBody,
        response: { 200: Detail },
      },
    },
    async (request) => {
      await identity.confirmPasswordReset(meta(request), request.body);
      return { detail: 'Your password has been reset. Log in with the new one.' };
    },
  );

  app.post(
    '/me/password',
    {
      config: { permission: 'account:manage' },
      schema: {
        tags: ['identity'],
        summary:
          'Change your password (needs the current one); ends your other sessions and your API tokens.',
        body: PasswordChangeBody,
        response: { 204: Type.Null({ description: 'Changed; no body.' }) },
      },
    },
    async (request, reply) => {
      await identity.changePassword(contextOf(request), {
        currentPassword: request.body.current_password,
        newPassword: request.body.new_password,
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/email',
    {
      config: { permission: 'account:manage' },
      schema: {
        tags: ['identity'],
        summary: 'Ask to change your e-mail address (needs your password); a code goes to the new address.',
        body: EmailChangeBody,
        response: { 202: Detail },
      },
    },
    async (request, reply) => {
      await identity.requestEmailChange(contextOf(request), {
        email: request.body.email,
        currentPassword: request.body.current_password,
      });
      return reply.code(202).send({ detail: 'A code to confirm the new address is on its way to it.' });
    },
  );

  app.post(
    '/me/email/confirm',
    {
      config: { permission: 'account:manage' },
      schema: {
        tags: ['identity'],
        summary: 'Confirm the new e-mail address with the code mailed to it.',
        body: EmailConfirmBody,
        response: { 200: UserV2 },
      },
    },
    async (request, reply) => {
      const person = await identity.confirmEmailChange(contextOf(request), request.body.token);
      setEtag(reply, person.user.version);
      return presentUserV2(person);
    },
  );
};
