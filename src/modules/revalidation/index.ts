/**
 * Next.js revalidation: admins register frontends' revalidation routes; the cache tags
 * of every outbox event (`ticket:42`, `tickets`) are POSTed to them as jobs with
 * retries, authenticated by the target's secret and signed. See docs/nextjs.md.
 */
export {
  createRevalidationService,
  type RevalidationService,
  type TargetInput,
} from './revalidation.service.ts';
export {
  createRevalidationDelivery,
  type RevalidationSender,
  type RevalidationSettings,
} from './revalidation.delivery.ts';
export { createRevalidationJobs, startRevalidationTrigger } from './revalidation.jobs.ts';
export { revalidationPermissions } from './revalidation.policy.ts';
export { revalidationRoutesV2, type RevalidationRouteOptions } from './revalidation.routes.ts';
