import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contextOf } from '../../platform/auth/actor.ts';
import { IdParams } from '../../platform/http/schemas.ts';
import {
  DepositHoldBody,
  DepositReleaseBody,
  IdempotencyHeaders,
  LedgerBody,
  Payment,
  PaymentCreateBody,
  presentLedger,
  presentPayment,
  RefundCreateBody,
  WebhookAck,
} from './rentals.payments.schemas.ts';
import type { PaymentsService } from './rentals.payments.service.ts';
import type { RentalPayment } from './rentals.payments.tables.ts';
import type { CardWebhooks } from './rentals.payments.webhooks.ts';

export interface PaymentsRouteOptions {
  payments: PaymentsService;
  cardWebhooks: CardWebhooks;
}

const tags = ['rentals'];
const IDEMPOTENT =
  ' Needs an Idempotency-Key: a retry with the same key answers the first result (Idempotent-Replayed) and moves no money twice.';

/** 201 once the money moved (or was declined: see status), 202 while the card processor has not answered yet. */
const statusOf = (payment: RentalPayment) => (payment.status === 'pending' ? 202 : 201);

/** Payments, refunds, deposits and the ledger of an order (v2), and the card processor's webhooks. */
export const paymentsRoutesV2: FastifyPluginAsyncTypebox<PaymentsRouteOptions> = async (
  app,
  { payments, cardWebhooks },
) => {
  const write = { permission: 'rentals:write' } as const;
  const responses = { 201: Payment, 202: Payment };

  app.post(
    '/orders/:id/payments',
    {
      config: write,
      schema: {
        tags,
        summary: `Take a payment toward what the order owes (partial payments welcome; never more than is due).${IDEMPOTENT}`,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: PaymentCreateBody,
        response: responses,
      },
    },
    async (request, reply) => {
      const payment = await payments.pay(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['idempotency-key'],
      );
      return reply.code(statusOf(payment)).send(presentPayment(payment));
    },
  );

  app.post(
    '/orders/:id/refunds',
    {
      config: write,
      schema: {
        tags,
        summary: `Refund part or all of a payment; the refunds of a payment never exceed it.${IDEMPOTENT}`,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: RefundCreateBody,
        response: responses,
      },
    },
    async (request, reply) => {
      const { payment, amount, reason } = request.body;
      const refund = await payments.refund(
        contextOf(request),
        request.params.id,
        { paymentId: payment, amount, reason },
        request.headers['idempotency-key'],
      );
      return reply.code(statusOf(refund)).send(presentPayment(refund));
    },
  );

  app.post(
    '/orders/:id/deposit/hold',
    {
      config: write,
      schema: {
        tags,
        summary: `Hold the order's deposit (by default what is still missing of it): cash taken or a card authorised.${IDEMPOTENT}`,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: DepositHoldBody,
        response: responses,
      },
    },
    async (request, reply) => {
      const hold = await payments.holdDeposit(
        contextOf(request),
        request.params.id,
        request.body,
        request.headers['idempotency-key'],
      );
      return reply.code(statusOf(hold)).send(presentPayment(hold));
    },
  );

  app.post(
    '/orders/:id/deposit/release',
    {
      config: write,
      schema: {
        tags,
        summary: `Release a held deposit once the order is back: what the order owes is kept (unless apply_to_balance is false), the rest returned.${IDEMPOTENT}`,
        params: IdParams,
        headers: IdempotencyHeaders,
        body: DepositReleaseBody,
        response: responses,
      },
    },
    async (request, reply) => {
      const { hold, apply_to_balance, reference } = request.body;
      const release = await payments.releaseDeposit(
        contextOf(request),
        request.params.id,
        { holdId: hold, applyToBalance: apply_to_balance, reference },
        request.headers['idempotency-key'],
      );
      return reply.code(statusOf(release)).send(presentPayment(release));
    },
  );

  app.get(
    '/orders/:id/ledger',
    {
      config: { permission: 'rentals:read' },
      schema: {
        tags,
        summary:
          "The order's payment ledger (append-only entries, oldest first), its payments and the balance they sum to.",
        params: IdParams,
        response: { 200: LedgerBody },
      },
    },
    async (request) => presentLedger(request.params.id, await payments.ledger(request.params.id)),
  );

  // The signature covers the exact bytes sent, so this route reads its body as a string.
  await app.register(async (raw) => {
    raw.removeContentTypeParser('application/json');
    raw.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      done(null, body);
    });
    raw.post(
      '/payments/webhooks/card',
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            "The card processor's events (charge, refund or release settled). Signed in Card-Signature (t=<unix>,v1=<HMAC-SHA256 of t.body>); 401 when the signature is missing, wrong or outside the tolerance; a redelivered event id is acknowledged and ignored.",
          response: { 200: WebhookAck },
        },
      },
      async (request) => ({
        outcome: await cardWebhooks(
          typeof request.body === 'string' ? request.body : '',
          request.headers['card-signature'] as string | undefined,
        ),
      }),
    );
  });
};
