import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../platform/auth/actor.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import { presentUserV2 } from './identity.presenters.ts';
import { metaOf, setSessionCookie } from './identity.routes.sessions.ts';
import type { IdentityRouteOptions } from './identity.routes.ts';
import {
  PasskeyCreationOptions,
  PasskeyLoginBody,
  PasskeyMfaOptionsBody,
  PasskeyRegisterBody,
  PasskeyRegistered,
  PasskeyRenameBody,
  PasskeyRequestOptions,
  PasskeyV2,
  Reauthentication,
} from './identity.schemas.passkeys.ts';
import { UserV2 } from './identity.schemas.ts';
import type { Passkey } from './identity.tables.passkeys.ts';

const tags = ['identity'];
const authTags = ['auth'];

const presentPasskey = (passkey: Passkey): Static<typeof PasskeyV2> => ({
  id: passkey.id,
  name: passkey.name,
  device_type: passkey.deviceType,
  backed_up: passkey.backedUp,
  transports: passkey.transports,
  created_at: passkey.createdAt.toISOString(),
  last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
});

/**
 * `/api/v2/me/passkeys`: your passkeys; `/api/v2/auth/passkey` and
 * `/api/v2/auth/mfa/passkey/options`: logging in with one, alone or as the second
 * factor. The login routes are public and CSRF-checked like the password login.
 */
export const passkeyRoutesV2: FastifyPluginAsyncTypebox<IdentityRouteOptions> = async (app, options) => {
  const { identity, loginRateLimitPerMinute } = options;
  // Unauthenticated routes that write a challenge row: limited per client IP like password logins.
  const perIp = (name: string) =>
    loginRateLimitPerMinute > 0
      ? {
          rateLimit: {
            max: loginRateLimitPerMinute,
            timeWindow: 60_000,
            keyGenerator: (request: FastifyRequest) => `${name}:${request.ip}`,
          },
        }
      : {};

  app.get(
    '/me/passkeys',
    {
      config: { permission: 'users:read' },
      schema: { tags, summary: 'Your passkeys.', response: { 200: Type.Array(PasskeyV2) } },
    },
    async (request) => (await identity.listPasskeys(contextOf(request))).map(presentPasskey),
  );

  app.post(
    '/me/passkeys/registration/options',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'Start registering a passkey: answers the options for navigator.credentials.create().',
        description:
          'Needs "current_password" unless the session was opened in the last 10 minutes. The options are good for one registration, within MFA_CHALLENGE_SECONDS.',
        body: Reauthentication,
        response: { 200: PasskeyCreationOptions },
      },
    },
    (request) =>
      identity.passkeyRegistrationOptions({
        ctx: contextOf(request),
        currentPassword: request.body.current_password,
      }),
  );

  app.post(
    '/me/passkeys/registration',
    {
      config: { permission: 'users:read', secretResponse: true },
      schema: {
        tags,
        summary: 'Finish registering a passkey with the credential the browser created.',
        description:
          'A passkey is a second factor for password logins and a passwordless login of its own. Your first second factor also answers ten recovery codes, shown once.',
        body: PasskeyRegisterBody,
        response: { 201: PasskeyRegistered },
      },
    },
    async (request, reply) => {
      const { passkey, recoveryCodes } = await identity.registerPasskey(
        contextOf(request),
        request.body.name,
        request.body.response,
      );
      return reply
        .code(201)
        .send({ ...presentPasskey(passkey), ...(recoveryCodes && { recovery_codes: recoveryCodes }) });
    },
  );

  app.patch(
    '/me/passkeys/:id',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'Rename one of your passkeys.',
        params: IdParams,
        body: PasskeyRenameBody,
        response: { 200: PasskeyV2 },
      },
    },
    async (request) =>
      presentPasskey(await identity.renamePasskey(contextOf(request), request.params.id, request.body.name)),
  );

  app.delete(
    '/me/passkeys/:id',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'Remove one of your passkeys: it no longer logs in.',
        description: 'Needs "current_password" unless the session was opened in the last 10 minutes.',
        params: IdParams,
        body: Reauthentication,
        response: { 204: Type.Null({ description: 'Removed.' }) },
      },
    },
    async (request, reply) => {
      await identity.removePasskey(
        { ctx: contextOf(request), currentPassword: request.body.current_password },
        request.params.id,
      );
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/mfa/passkey/options',
    {
      config: { public: true, csrf: true, ...perIp('passkey-mfa-options') },
      schema: {
        tags: authTags,
        summary:
          'Options for answering a login challenge with a passkey: hand them to navigator.credentials.get().',
        description:
          'Limited to the passkeys of the user the challenge belongs to. Send the assertion as "passkey" with the challenge to POST /api/v2/auth/mfa.',
        body: PasskeyMfaOptionsBody,
        response: { 200: PasskeyRequestOptions },
      },
    },
    async (request) =>
      identity.passkeys.secondFactorOptions(
        await identity.secondFactor.loginChallengeUser(request.body.challenge),
      ),
  );

  app.post(
    '/auth/passkey/options',
    {
      config: { public: true, csrf: true, ...perIp('passkey-options') },
      schema: {
        tags: authTags,
        summary: 'Options for a passwordless login: the browser offers the passkeys it holds for this site.',
        response: { 200: PasskeyRequestOptions },
      },
    },
    () => identity.passkeys.passwordlessOptions(),
  );

  app.post(
    '/auth/passkey',
    {
      config: { public: true, csrf: true, ...perIp('passkey-login') },
      schema: {
        tags: authTags,
        summary: 'Log in with a passkey (no password, no second factor); sets the sessionid cookie.',
        description:
          'Send the assertion navigator.credentials.get() made with the options of POST /api/v2/auth/passkey/options. The authenticator must verify the user (PIN or biometrics).',
        body: PasskeyLoginBody,
        response: { 200: UserV2 },
      },
    },
    async (request, reply) => {
      const meta = metaOf(request);
      const user = await identity.passkeys.passwordless(request.body.response, meta);
      const { sessionToken, person } = await identity.openSession(user, meta);
      setSessionCookie(reply, sessionToken, options);
      return presentUserV2(person);
    },
  );
};
