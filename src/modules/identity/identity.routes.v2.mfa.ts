import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { commonErrors } from '../../platform/http/errors.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import type { MfaCaller } from './identity.mfa.manage.ts';
import {
  CurrentPasswordBody,
  MfaPolicy,
  MfaStatus,
  RecoveryCodes,
  TotpConfirmBody,
  TotpDisableBody,
  TotpEnrolment,
  TotpStartBody,
} from './identity.schemas.mfa.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';

const tags = ['identity'];
const Done = { 204: Type.Null({ description: 'Done.' }) };

/**
 * The signed-in caller, or, with `challenge`, a user mid-login whose role requires MFA:
 * these routes are public so that an enrolment challenge (which authenticates nothing
 * else anywhere) can reach them. Without either, 401.
 */
function callerOf(
  request: FastifyRequest,
  challenge: string | undefined,
  currentPassword?: string,
): MfaCaller {
  if (challenge !== undefined) {
    return {
      challenge,
      meta: { requestId: request.id, ip: request.ip, userAgent: request.headers['user-agent'] },
    };
  }
  if (!request.actor) throw commonErrors.NOT_AUTHENTICATED();
  return { ctx: contextOf(request), currentPassword };
}

/** `/api/v2/me/mfa/...`: your own second factor; `/users/:id/mfa` and `/mfa-policy`: the admin's side. */
export const mfaRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, { identity }) => {
  app.get(
    '/me/mfa',
    {
      config: { permission: 'users:read' },
      schema: { tags, summary: 'Your two-factor authentication status.', response: { 200: MfaStatus } },
    },
    async (request) => {
      const status = await identity.mfaStatus(contextOf(request).actor);
      return {
        required: status.required,
        totp: status.totp,
        totp_confirmed_at: status.totpConfirmedAt?.toISOString() ?? null,
        recovery_codes_remaining: status.recoveryCodesRemaining,
      };
    },
  );

  app.post(
    '/me/mfa/totp',
    {
      config: { public: true, resolveActor: true },
      schema: {
        tags,
        summary:
          'Start setting up an authenticator app: answers the seed and its otpauth:// URI (pending until confirmed).',
        description:
          'Signed in: send "current_password". Mid-login with an enrolment challenge: send "challenge" instead.',
        body: TotpStartBody,
        response: { 201: TotpEnrolment },
      },
    },
    async (request, reply) => {
      const { challenge, current_password: currentPassword } = request.body;
      return reply.code(201).send(await identity.startTotp(callerOf(request, challenge, currentPassword)));
    },
  );

  app.post(
    '/me/mfa/totp/confirm',
    {
      config: { public: true, resolveActor: true },
      schema: {
        tags,
        summary:
          'Confirm the authenticator app with its current code: turns it on and answers ten recovery codes, once.',
        description:
          'With an enrolment challenge, the challenge then completes the login at POST /api/v2/auth/mfa without a further code.',
        body: TotpConfirmBody,
        response: { 200: RecoveryCodes },
      },
    },
    async (request) => ({
      recovery_codes: await identity.confirmTotp(
        callerOf(request, request.body.challenge),
        request.body.code,
      ),
    }),
  );

  app.delete(
    '/me/mfa/totp',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary:
          'Turn the authenticator app off: needs the current password and a code (or a recovery code).',
        body: TotpDisableBody,
        response: Done,
      },
    },
    async (request, reply) => {
      const { current_password: currentPassword, code, recovery_code: recoveryCode } = request.body;
      await identity.disableTotp(contextOf(request), currentPassword, { otp: code, recoveryCode });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/mfa/recovery-codes',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'Replace your recovery codes with ten new ones (shown once); needs the current password.',
        body: CurrentPasswordBody,
        response: { 200: RecoveryCodes },
      },
    },
    async (request) => ({
      recovery_codes: await identity.regenerateRecoveryCodes(
        contextOf(request),
        request.body.current_password,
      ),
    }),
  );

  app.delete(
    '/users/:id/mfa',
    {
      config: { permission: 'mfa:manage' },
      schema: {
        tags,
        summary:
          "Reset a user's two-factor authentication (a lost device): factors, recovery codes and lock removed.",
        params: IdParams,
        response: Done,
      },
    },
    async (request, reply) => {
      await identity.resetMfa(contextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/mfa-policy',
    {
      config: { permission: 'mfa:manage' },
      schema: {
        tags,
        summary: 'Which roles must use two-factor authentication.',
        response: { 200: MfaPolicy },
      },
    },
    () => identity.mfaPolicy(),
  );

  app.put(
    '/mfa-policy',
    {
      config: { permission: 'mfa:manage' },
      schema: {
        tags,
        summary: 'Set which roles must use two-factor authentication (every role, true or false).',
        description: 'Members of a required role without a second factor must enrol at their next login.',
        body: MfaPolicy,
        response: { 200: MfaPolicy },
      },
    },
    (request) => identity.setMfaPolicy(contextOf(request), request.body),
  );
};
