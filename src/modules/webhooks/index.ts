/**
 * Webhooks: admins subscribe URLs to domain event types; the outbox's events are
 * delivered as Standard Webhooks (signed, retried with backoff for days, in order per
 * subject, dead-lettered, replayable), behind an SSRF guard. See docs/webhooks.md.
 */
export { createWebhooksService, type WebhooksService, type EndpointInput } from './webhooks.service.ts';
export { createDelivery, type Delivery, type DeliverySettings } from './webhooks.delivery.ts';
export { createWebhooksJobs, startDispatchTrigger } from './webhooks.jobs.ts';
export { webhooksPermissions } from './webhooks.policy.ts';
export { webhooksRoutesV2, type WebhooksRouteOptions } from './webhooks.routes.ts';
/** The sending machinery other outbox consumers reuse (Next.js revalidation): SSRF-guarded POST, signatures. */
export { post, type AttemptResult } from './webhooks.sender.ts';
export { resolveTarget, UnsafeTargetError } from './webhooks.ssrf.ts';
export { newSecret, signedHeaders } from './webhooks.signing.ts';
