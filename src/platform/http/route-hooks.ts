/**
 * Fastify route options that hold one value or a list (`method`, each hook), for the
 * `onRoute` hooks that read or extend them.
 */
export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Whether a route answers `method`. */
export const routeTakes = (route: { method: string | string[] }, method: string): boolean =>
  asArray(route.method).includes(method);
