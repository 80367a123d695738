import type { Actor } from '../auth/actor.ts';
import type { StreamHub } from './hub.ts';

/** How soon after an invalidation (a logout, a revoke, a deactivation) streams are re-checked. */
const INVALIDATION_DEBOUNCE_MS = 200;

/**
 * Closes the streams whose session or token no longer holds: every `intervalMs`, and
 * shortly after any cross-process invalidation (revocations publish one), each stream's
 * credential is resolved again, through the same authenticator (and its cache) as a
 * request. A credential that still holds refreshes the stream's actor, so a role or
 * department change applies to the events that follow.
 */
export function createCredentialRecheck(options: {
  hub: StreamHub;
  intervalMs: number;
  mayStream: (actor: Actor) => boolean;
  log: { warn(details: object, message: string): void };
}) {
  const { hub, intervalMs, mayStream, log } = options;
  let running: Promise<void> | undefined;
  let again = false;
  let debounce: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function checkAll(): Promise<void> {
    for (const stream of hub.streams()) {
      if (stream.transport.closed) continue;
      let actor: Actor | undefined;
      try {
        actor = await stream.recheck();
      } catch (error) {
        // The database is down: the credential cannot be judged now; the next round will.
        log.warn({ err: error }, 'could not re-check a stream credential');
        continue;
      }
      if (actor && mayStream(actor)) stream.actor = actor;
      else
        hub.drop(
          stream,
          'credentials_revoked',
          'The session or token of this stream ended (logout, revocation, deactivation or a password change).',
        );
    }
  }

  function run(): void {
    if (running) {
      again = true;
      return;
    }
    running = checkAll().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  }

  return {
    run,
    /** Called on every invalidation this process hears. */
    invalidated(): void {
      if (hub.size === 0 || debounce) return;
      debounce = setTimeout(() => {
        debounce = undefined;
        run();
      }, INVALIDATION_DEBOUNCE_MS);
    },
    start(): void {
      timer = setInterval(() => {
        if (hub.size > 0) run();
      }, intervalMs);
      timer.unref();
    },
    async close(): Promise<void> {
      clearInterval(timer);
      clearTimeout(debounce);
      await running;
    },
  };
}
