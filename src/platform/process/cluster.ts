import cluster, { type Worker } from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The primary of `opsdesk serve` with WEB_CONCURRENCY > 1: it forks the group's
 * processes (node:cluster: the primary holds the listening socket and hands connections
 * to the API processes in turn), replaces one that dies, and stops them all on shutdown.
 * It runs no request and no job itself, so nothing it does can take the group down.
 */

/** One process of the group: the CLI command it runs (`serve` or `worker`). */
export interface ChildSpec {
  name: string;
  args: string[];
  /** Settings of this child only, on top of the group's. */
  env?: Record<string, string>;
}

/** What a child sends the primary once it serves (API: listens; job worker: takes jobs). */
export const READY_MESSAGE = 'opsdesk:ready';

export interface ReadyMessage {
  type: typeof READY_MESSAGE;
  /** The address an API process listens on. */
  url?: string;
}

const isReadyMessage = (message: unknown): message is ReadyMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === READY_MESSAGE;

/** Tells the primary this child serves; a no-op outside a cluster. */
export function announceReady(url?: string): void {
  if (cluster.isWorker) process.send?.({ type: READY_MESSAGE, url } satisfies ReadyMessage);
}

export interface SupervisorOptions {
  /** Settings every child gets on top of the primary's environment. */
  env: Record<string, string>;
  log: FastifyBaseLogger;
  /** First restart delay after an unexpected exit; doubles while the child keeps dying. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** A child that ran this long before dying is restarted after the first delay again. */
  stableAfterMs?: number;
}

export interface Supervisor {
  /** Resolves with the API's address once every child is ready; rejects if one dies before. */
  ready: Promise<string | undefined>;
  /** SIGTERM to every child, then waits (SIGKILL at the deadline). True when all exited 0. */
  stop(timeoutMs: number): Promise<boolean>;
  /** The pids of the running children. */
  pids(): number[];
}

interface Slot {
  spec: ChildSpec;
  worker?: Worker;
  startedAt: number;
  failures: number;
  restart?: NodeJS.Timeout;
}

export function superviseChildren(specs: ChildSpec[], options: SupervisorOptions): Supervisor {
  const firstDelay = options.restartDelayMs ?? 500;
  const maxDelay = options.maxRestartDelayMs ?? 30_000;
  const stableAfter = options.stableAfterMs ?? 60_000;
  const slots: Slot[] = specs.map((spec) => ({ spec, startedAt: 0, failures: 0 }));
  let stopping = false;
  let started = false;
  let address: string | undefined;
  const waiting = new Set(slots);
  // A child killed by the stop's SIGTERM before it served had nothing to drain: a clean stop.
  const serving = new WeakSet<Worker>();
  let markReady: (url: string | undefined) => void = () => undefined;
  let failStart: (error: Error) => void = () => undefined;
  const ready = new Promise<string | undefined>((resolve, reject) => {
    markReady = resolve;
    failStart = reject;
  });
  // Rejected only when a start fails; the caller may not be awaiting yet.
  ready.catch(() => undefined);

  const fork = (slot: Slot) => {
    cluster.setupPrimary({ args: slot.spec.args });
    const worker = cluster.fork({ ...options.env, ...slot.spec.env });
    slot.worker = worker;
    slot.startedAt = Date.now();
    worker.on('message', (message: unknown) => {
      if (!isReadyMessage(message)) return;
      serving.add(worker);
      address ??= message.url;
      if (started) {
        options.log.info({ process: slot.spec.name, pid: worker.process.pid }, 'replacement process ready');
        return;
      }
      waiting.delete(slot);
      if (waiting.size === 0) {
        started = true;
        markReady(address);
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker === worker) slot.worker = undefined;
      if (stopping) return;
      if (!started) {
        failStart(
          new Error(`the ${slot.spec.name} process exited during start (code ${code}, signal ${signal})`),
        );
        return;
      }
      slot.failures = Date.now() - slot.startedAt >= stableAfter ? 1 : slot.failures + 1;
      const delay = Math.min(maxDelay, firstDelay * 2 ** (slot.failures - 1));
      options.log.error(
        { process: slot.spec.name, pid: worker.process.pid, code, signal, restart_in_ms: delay },
        'process died; starting a new one',
      );
      slot.restart = setTimeout(() => {
        slot.restart = undefined;
        if (!stopping) fork(slot);
      }, delay);
    });
  };
  for (const slot of slots) fork(slot);

  return {
    ready,
    pids: () => slots.flatMap((slot) => (slot.worker?.process.pid ? [slot.worker.process.pid] : [])),
    async stop(timeoutMs) {
      stopping = true;
      const running = slots.flatMap((slot) => {
        clearTimeout(slot.restart);
        return slot.worker && slot.worker.process.exitCode === null && slot.worker.process.signalCode === null
          ? [slot.worker]
          : [];
      });
      const exits = running.map(
        (worker) =>
          new Promise<boolean>((resolve) => {
            worker.once('exit', (code, signal) => {
              resolve(code === 0 || (signal === 'SIGTERM' && !serving.has(worker)));
            });
          }),
      );
      for (const worker of running) worker.process.kill('SIGTERM');
      const deadline = setTimeout(() => {
        for (const worker of running) {
          if (worker.process.exitCode === null && worker.process.signalCode === null) {
            options.log.error({ pid: worker.process.pid }, 'process did not stop in time; killing it');
            worker.process.kill('SIGKILL');
          }
        }
      }, timeoutMs);
      const clean = await Promise.all(exits);
      clearTimeout(deadline);
      return clean.every(Boolean);
    },
  };
}
