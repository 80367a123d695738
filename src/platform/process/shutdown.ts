import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';

/**
 * What one process stops on SIGTERM/SIGINT. An API process drains and closes its
 * listener; a job worker stops its jobs; both release their connections last. Any
 * part may be missing (a worker process has no listener).
 */
export interface ShutdownPlan {
  /** Called at the signal: readiness answers 503 from now on, requests are still served. */
  beginDrain?(): void;
  /** Called after the drain delay: stop accepting, finish in-flight requests, close idle sockets. */
  stopAccepting?(): Promise<void>;
  /** Started at the signal, alongside the drain: take no new job, finish or hand back running ones. */
  stopJobs?(budgetMs: number): Promise<void>;
  /** Connections to close once requests and jobs are done, in this order. */
  release?: { name: string; close(budgetMs: number): Promise<void> }[];
}

export interface ShutdownOptions {
  log: FastifyBaseLogger;
  /** How long requests are still served after readiness turned 503. */
  drainDelayMs: number;
  /** Hard deadline from the signal; past it the process exits 1. */
  timeoutMs: number;
  /** Time kept for `release` when the jobs' budget is computed. */
  releaseReserveMs?: number;
  exit?: (code: number) => void;
}

/**
 * The shutdown sequence orchestrators expect (Kubernetes sends SIGTERM and removes the
 * endpoint at the same time, and the endpoint removal takes a few seconds to reach
 * every proxy):
 *   1. readiness fails at once, but requests are still served for the drain delay;
 *   2. the listener closes, in-flight requests finish, idle keep-alive sockets close;
 *   3. jobs (stopping since the signal) finish or are handed back;
 *   4. connections are released; the process exits 0, or 1 at the deadline.
 * Returns the function to call with the signal's name; a repeated call joins the first.
 */
export function createShutdown(
  plan: ShutdownPlan,
  options: ShutdownOptions,
): (reason: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const reserve = options.releaseReserveMs ?? 3000;
  let running: Promise<void> | undefined;

  const step = async (name: string, work: () => Promise<void> | void) => {
    try {
      await work();
    } catch (error) {
      options.log.warn({ err: error, step: name }, 'shutdown step failed; going on');
    }
  };

  const sequence = async (reason: string) => {
    const started = Date.now();
    const remaining = () => options.timeoutMs - (Date.now() - started);
    const deadline = setTimeout(() => {
      options.log.error({ timeout_ms: options.timeoutMs }, 'shutdown deadline passed; exiting now');
      exit(1);
    }, options.timeoutMs);
    deadline.unref();
    options.log.info(
      { signal: reason, drain_delay_ms: options.drainDelayMs },
      'shutting down: not ready any more, draining',
    );
    await step('drain', () => plan.beginDrain?.());
    const jobs = step('jobs', () => plan.stopJobs?.(remaining() - reserve));
    await sleep(options.drainDelayMs);
    await step('requests', () => plan.stopAccepting?.());
    await jobs;
    for (const connection of plan.release ?? []) {
      await step(connection.name, () => connection.close(Math.min(remaining(), reserve)));
    }
    clearTimeout(deadline);
    options.log.info({ took_ms: Date.now() - started }, 'shut down');
    exit(0);
  };

  return (reason) => (running ??= sequence(reason));
}

/** Runs `shutdown` on SIGTERM and SIGINT (container stop, Ctrl-C). */
export function onTerminationSignals(shutdown: (signal: string) => Promise<void>): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
}
