import { createSealer } from '../platform/auth/sealed.ts';
import { randomToken } from '../platform/auth/secrets.ts';
import { pruneEventsJob } from '../platform/events/index.ts';
import { eventCatalogue } from './events.ts';
import type { IdentityService } from './identity/index.ts';
import type { NotificationsService } from './notifications/index.ts';
import {
  createRevalidationDelivery,
  createRevalidationJobs,
  createRevalidationService,
} from './revalidation/index.ts';
import type { Platform } from './services.platform.ts';
import type { ServiceSettings } from './services.ts';
import { createDelivery, createWebhooksJobs, createWebhooksService } from './webhooks/index.ts';

/** The outbox's consumers, webhooks and frontend revalidation, with the jobs that deliver them and prune it. */
export function wireOutbox(
  { db, audit, now }: Platform,
  identity: IdentityService,
  notifications: NotificationsService,
  settings: ServiceSettings,
) {
  // Without SECRET_KEY (tests building the app directly), secrets are sealed with a key of this process's own.
  const webhookSealer = createSealer(settings.secretKey ?? randomToken(), 'webhook-secret');
  const webhookDelivery = createDelivery({
    db,
    sealer: webhookSealer,
    identity,
    notifications,
    settings: {
      timeoutMs: settings.webhookTimeoutMs,
      retrySchedule: settings.webhookRetrySchedule,
      disableAfterDays: settings.webhookDisableAfterDays,
      allowPrivateNetworks: settings.webhooksAllowPrivateNetworks,
    },
    catalogue: eventCatalogue,
    now,
  });
  const webhooks = createWebhooksService({
    db,
    audit,
    sealer: webhookSealer,
    catalogue: eventCatalogue,
    delivery: webhookDelivery,
    settings: {
      allowPrivateNetworks: settings.webhooksAllowPrivateNetworks,
      secretOverlapHours: settings.webhookSecretOverlapHours,
    },
    now,
  });
  // Without SECRET_KEY (tests building the app directly), secrets are sealed with a key of this process's own.
  const revalidationSealer = createSealer(settings.secretKey ?? randomToken(), 'revalidation-secret');
  const revalidationSender = createRevalidationDelivery({
    db,
    sealer: revalidationSealer,
    settings: {
      timeoutMs: settings.webhookTimeoutMs,
      retrySchedule: settings.webhookRetrySchedule,
      allowPrivateNetworks: settings.webhooksAllowPrivateNetworks,
    },
    now,
  });
  const revalidation = createRevalidationService({
    db,
    audit,
    sealer: revalidationSealer,
    sender: revalidationSender,
    settings: { allowPrivateNetworks: settings.webhooksAllowPrivateNetworks },
  });
  const outboxJobs = [
    pruneEventsJob(db, settings.eventsRetentionDays, now),
    ...createWebhooksJobs({ db, delivery: webhookDelivery, retentionDays: settings.eventsRetentionDays }),
    ...createRevalidationJobs({
      db,
      sender: revalidationSender,
      retentionDays: settings.eventsRetentionDays,
    }),
  ];
  return { webhooks, webhookDelivery, revalidation, revalidationSender, outboxJobs };
}
