import { parseQuietHours, type QuietHours } from '../modules/rentals/rentals.quiet-hours.ts';
import { expect, int, str, url, type Setting } from './parsers.ts';

/** When rental reminders are held back. */
export const rentalReminderSettings = {
  rentalReminderQuietHours: {
    env: 'RENTAL_REMINDER_QUIET_HOURS',
    description:
      "Daily window (HH:MM-HH:MM, in the zone of the business calendar of the order's first product, else UTC; or off) in which rental reminders are not sent: one due then goes out when the window ends.",
    parse: (raw: string): QuietHours | null =>
      parseQuietHours(raw) ?? expect('HH:MM-HH:MM (two different times) or off'),
    default: '21:00-08:00',
  },
} satisfies Record<string, Setting<unknown>>;

/** The card processor rental payments go through, and its webhooks. */
export const cardPaymentSettings = {
  cardProcessorUrl: {
    env: 'CARD_PROCESSOR_URL',
    description:
      'API root of the card processor rental card payments go through (POST /charges, /charges/:id/refunds, /charges/:id/release). Unset: card payments are refused.',
    parse: url('http:', 'https:'),
  },
  cardProcessorApiKey: {
    env: 'CARD_PROCESSOR_API_KEY',
    description: 'Bearer key Opsdesk sends to the card processor.',
    parse: str,
    secret: true,
  },
  cardProcessorTimeoutMs: {
    env: 'CARD_PROCESSOR_TIMEOUT_MS',
    description:
      'How long one card processor call may take; past it the payment stays pending and a retry with the same Idempotency-Key asks again.',
    parse: int(100, 120_000),
    default: '10000',
  },
  cardWebhookSecret: {
    env: 'CARD_WEBHOOK_SECRET',
    description:
      'Secret the card processor signs its webhooks with (HMAC-SHA256). Unset: every card webhook is refused.',
    parse: str,
    secret: true,
  },
  cardWebhookToleranceSeconds: {
    env: 'CARD_WEBHOOK_TOLERANCE_SECONDS',
    description:
      'How far a card webhook signature timestamp may be from now before it is refused as a replay.',
    parse: int(1, 3600),
    default: '300',
  },
} satisfies Record<string, Setting<unknown>>;
