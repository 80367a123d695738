import { systemContext } from '../../platform/auth/actor.ts';
import type { Database } from '../../platform/db/client.ts';
import { verifyCardSignature } from '../../platform/payments/index.ts';
import { rentalsErrors } from './rentals.errors.ts';
import * as repository from './rentals.payments.repository.ts';
import type { Settlement } from './rentals.payments.settlement.ts';

export interface CardWebhookSettings {
  /** CARD_WEBHOOK_SECRET; undefined refuses every delivery. */
  secret: string | undefined;
  toleranceSeconds: number;
}

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored';

interface CardEvent {
  id: string;
  type: string;
  data: { id: string; status: 'pending' | 'succeeded' | 'failed'; failure_reason?: string };
}

function parseEvent(raw: string): CardEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { id, type, data } = body as Record<string, unknown>;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof data !== 'object' || data === null)
    return undefined;
  const object = data as Record<string, unknown>;
  if (typeof object.id !== 'string' || !['pending', 'succeeded', 'failed'].includes(String(object.status)))
    return undefined;
  return body as CardEvent;
}

/**
 * The card processor's webhooks: `{id, type, data: {id, status, failure_reason?}}` where
 * `data.id` is the charge, refund or release the processor answered a call with. The
 * raw body's signature is checked first (HMAC with a timestamp tolerance, 401 when
 * wrong). The event id is claimed in `rental_card_events` (unique) in the same
 * transaction that settles the payment, so a redelivered event changes nothing and a
 * failed settlement leaves the event unclaimed for the processor's retry.
 */
export function createCardWebhooks(deps: {
  db: Database;
  settlement: Settlement;
  settings: CardWebhookSettings;
  now: () => Date;
}) {
  const { db, settlement, settings, now } = deps;
  const ctx = systemContext('card-webhook');

  return async function receive(rawBody: string, signature: string | undefined): Promise<WebhookOutcome> {
    const problem = settings.secret
      ? verifyCardSignature(settings.secret, rawBody, signature, now(), settings.toleranceSeconds)
      : 'missing';
    if (problem)
      throw rentalsErrors.RENTALS_WEBHOOK_SIGNATURE_INVALID({
        message:
          problem === 'stale'
            ? `The webhook signature's timestamp is more than ${settings.toleranceSeconds} s away from now.`
            : `The webhook signature is ${problem === 'missing' ? 'missing (or no secret is configured)' : problem === 'malformed' ? 'malformed' : 'wrong'}.`,
      });
    const event = parseEvent(rawBody);
    if (!event) throw rentalsErrors.RENTALS_WEBHOOK_BODY_INVALID();
    return db.transaction(async (tx) => {
      const payment = await repository.paymentByProviderRef(tx, event.data.id);
      const claimed = await repository.claimCardEvent(tx, {
        eventId: event.id,
        type: event.type,
        paymentId: payment?.id ?? null,
      });
      if (!claimed) return 'duplicate';
      if (!payment || event.data.status === 'pending') return 'ignored';
      await settlement.settleIn(tx, ctx, payment.id, {
        status: event.data.status,
        providerRef: event.data.id,
        failureReason: event.data.failure_reason,
      });
      return 'processed';
    });
  };
}

export type CardWebhooks = ReturnType<typeof createCardWebhooks>;
