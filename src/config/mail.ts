import { expect, int, url, type Setting } from './parsers.ts';

/** How outgoing mail is sent. */
export const mailSettings = {
  smtpUrl: {
    env: 'SMTP_URL',
    description:
      'SMTP server as a nodemailer URL (smtps://user:pass@host:465). Unset: .eml files in DATA_DIR/mail.',
    parse: url('smtp:', 'smtps:'),
    secret: true,
  },
  mailFrom: {
    env: 'MAIL_FROM',
    description: 'From address of outgoing mail.',
    parse: (raw) => (raw.includes('@') ? raw : expect('an address like Opsdesk <opsdesk@example.com>')),
    default: 'Opsdesk <opsdesk@localhost>',
  },
} satisfies Record<string, Setting<unknown>>;

/** How much mail one person may send. */
export const mailRateLimitSettings = {
  mailRateLimitPerHour: {
    env: 'MAIL_RATE_LIMIT_PER_HOUR',
    description: 'E-mails one person may queue per hour through /api/send-email/ (0 turns the limit off).',
    parse: int(0, 1_000_000),
    default: '30',
  },
} satisfies Record<string, Setting<unknown>>;
