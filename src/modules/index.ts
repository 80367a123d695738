import type { FastifyPluginAsync } from 'fastify';
import type { PermissionGrants } from '../platform/auth/policy.ts';
import type { Database } from '../platform/db/client.ts';
import { auditPermissions, auditRoutesV2, createAuditService } from './audit/index.ts';
import type { JobDefinition } from '../platform/jobs/define-job.ts';
import { purgeIdempotencyKeysJob } from '../platform/http/idempotency.ts';
import {
  createIdentityJobs,
  createIdentityService,
  identityPermissions,
  identityRoutesV1,
  identityRoutesV2,
} from './identity/index.ts';
import { createSitesService, sitesPermissions, sitesRoutesV1, sitesRoutesV2 } from './sites/index.ts';

/**
 * The one place modules are wired: services in dependency order, then each module's
 * permissions and routes. Adding a module means adding it here and nowhere else.
 */
export interface ModuleSettings {
  sessionTtlHours: number;
  secureCookies: boolean;
  loginRateLimitPerMinute: number;
}

export function createServices(db: Database, settings: Pick<ModuleSettings, 'sessionTtlHours'>) {
  const audit = createAuditService({ db });
  const identity = createIdentityService({ db, audit, sessionTtlHours: settings.sessionTtlHours });
  const sites = createSitesService({ db, audit });
  return { audit, identity, sites };
}

export type Services = ReturnType<typeof createServices>;

export const permissionGrants: PermissionGrants[] = [auditPermissions, identityPermissions, sitesPermissions];

export interface ModuleRoutes {
  v1: FastifyPluginAsync[];
  v2: FastifyPluginAsync[];
}

const mounted =
  <O extends object>(plugin: (app: never, options: O) => Promise<void>, options: O): FastifyPluginAsync =>
  async (app) => {
    await app.register(plugin as unknown as FastifyPluginAsync<O>, options);
  };

export function moduleRoutes(services: Services, settings: ModuleSettings): ModuleRoutes {
  const identityOptions = { identity: services.identity, ...settings };
  return {
    v1: [mounted(identityRoutesV1, identityOptions), mounted(sitesRoutesV1, { sites: services.sites })],
    v2: [
      mounted(identityRoutesV2, identityOptions),
      mounted(sitesRoutesV2, { sites: services.sites }),
      mounted(auditRoutesV2, { audit: services.audit }),
    ],
  };
}

/** Every background and scheduled job, for `opsdesk worker` (and `serve` with WORKER_IN_PROCESS). */
export function allJobs(db: Database): JobDefinition[] {
  return [purgeIdempotencyKeysJob(db), ...createIdentityJobs({ db })] as JobDefinition[];
}
