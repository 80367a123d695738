/**
 * The one place modules are wired: services in dependency order, then each module's
 * permissions and routes. Adding a module means adding it here and nowhere else.
 */
export { eventCatalogue, eventVisibilityRules } from './events.ts';
export { allJobs } from './jobs.ts';
export { permissionGrants } from './permissions.ts';
export { moduleRoutes, type ModuleRoutes, type ModuleSettings } from './routes.ts';
export { createServices, type ServiceOptions, type ServiceSettings, type Services } from './services.ts';
