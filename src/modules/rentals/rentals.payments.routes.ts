import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { contextOf, type RequestContext } from '../../platform/auth/actor.ts';
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
  /** A call that moves money: idempotent by key, answered by the payment it made. */
  const moneyRoute = <B extends TSchema>(
    url: string,
    summary: string,
    body: B,
    move: (
      ctx: RequestContext,
      orderId: number,
      body: Static<B>,
      idempotencyKey: string,
    ) => Promise<RentalPayment>,
  ) =>
    app.post(
      url,
      {
        config: { permission: 'rentals:write' },
        schema: {
          tags,
          summary: `${summary}${IDEMPOTENT}`,
          params: IdParams,
          headers: IdempotencyHeaders,
          body,
          response: { 201: Payment, 202: Payment },
        },
      },
      async (request, reply) => {
        const payment = await move(
          contextOf(request),
          request.params.id,
          request.body,
          request.headers['idempotency-key'],
        );
        return reply.code(statusOf(payment)).send(presentPayment(payment));
      },
    );

  moneyRoute(
    '/orders/:id/payments',
    'Take a payment toward what the order owes (partial payments welcome; never more than is due).',
    PaymentCreateBody,
    (ctx, orderId, body, key) => payments.pay(ctx, orderId, body, key),
  );
  moneyRoute(
    '/orders/:id/refunds',
    'Refund part or all of a payment; the refunds of a payment never exceed it.',
    RefundCreateBody,
    (ctx, orderId, { payment, amount, reason }, key) =>
      payments.refund(ctx, orderId, { paymentId: payment, amount, reason }, key),
  );
  moneyRoute(
    '/orders/:id/deposit/hold',
    "Hold the order's deposit (by default what is still missing of it): cash taken or a card authorised.",
    DepositHoldBody,
    (ctx, orderId, body, key) => payments.holdDeposit(ctx, orderId, body, key),
  );
  moneyRoute(
    '/orders/:id/deposit/release',
    'Release a held deposit once the order is back: what the order owes is kept (unless apply_to_balance is false), the rest returned.',
    DepositReleaseBody,
    (ctx, orderId, { hold, apply_to_balance, reference }, key) =>
      payments.releaseDeposit(
        ctx,
        orderId,
        { holdId: hold, applyToBalance: apply_to_balance, reference },
        key,
      ),
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
