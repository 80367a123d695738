import type { Static, TObject } from '@sinclair/typebox';
import type { EventAudience } from './events.tables.ts';

/**
 * One event type of the catalogue: its name (`<entity>.<past-verb>`), payload schema
 * and who may see it. Modules declare theirs in `<module>.events.ts` and the catalogue
 * (src/modules/events.ts) gathers them; docs/events.md is checked against it.
 */
export interface EventDefinition<T extends TObject = TObject> {
  type: string;
  /** Bumped when the payload changes incompatibly; consumers read it beside the type. */
  version: number;
  /** What the event is about (`ticket`, `time_entry`, ...): the subject id's kind. */
  subject: string;
  payload: T;
  description: string;
  /** Who beyond the event's scope may see it; a sentence for the catalogue says the rule. */
  audience: EventAudience;
  visibility: string;
  /**
   * The cache tags the change invalidates (`ticket:42`, `tickets`): stored with the event,
   * they retire this process's and every other's cached reads (cache/tagged-cache.ts) and
   * are sent to Next.js revalidation targets. Without one, `defaultTags`.
   */
  tags(payload: Static<T>, subjectId: string): string[];
  /**
   * Addressed to one person (an inbox row): only their own streams carry it; webhooks,
   * which an administrator points anywhere, never do.
   */
  personal?: boolean;
}

/** The collection a subject belongs to: `ticket` -> `tickets`, `time_entry` -> `time_entries`. */
export const collectionOf = (subject: string): string =>
  /[^aeiou]y$/.test(subject)
    ? `${subject.slice(0, -1)}ies`
    : /(s|x|ch|sh)$/.test(subject)
      ? `${subject}es`
      : `${subject}s`;

/** The subject and its collection: what a change to one object makes stale by default. */
export const defaultTags = (subject: string, subjectId: string): string[] => [
  `${subject}:${subjectId}`,
  collectionOf(subject),
];

export const defineEvent = <T extends TObject>(
  definition: Omit<EventDefinition<T>, 'version' | 'tags'> & {
    version?: number;
    tags?: EventDefinition<T>['tags'];
  },
): EventDefinition<T> => ({
  version: 1,
  tags: (_payload, subjectId) => defaultTags(definition.subject, subjectId),
  ...definition,
});

/** The payload type of a definition. */
export type EventPayload<D> = D extends EventDefinition<infer T> ? Static<T> : never;

/** Every event type, by name; fails on a duplicate. */
export interface EventCatalogue {
  readonly definitions: readonly EventDefinition[];
  get(type: string): EventDefinition | undefined;
  has(type: string): boolean;
}

export function createEventCatalogue(...groups: (readonly EventDefinition[])[]): EventCatalogue {
  const byType = new Map<string, EventDefinition>();
  for (const definition of groups.flat()) {
    if (byType.has(definition.type)) throw new Error(`Event ${definition.type} is defined twice`);
    byType.set(definition.type, definition);
  }
  const definitions = [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  return {
    definitions,
    get: (type) => byType.get(type),
    has: (type) => byType.has(type),
  };
}
