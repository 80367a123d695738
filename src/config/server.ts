import os from 'node:os';
import { bool, expect, int, oneOf, str, url, type Setting, type NodeEnv } from './parsers.ts';

/** The mode Opsdesk runs in and the address it serves. */
export const serverSettings = {
  nodeEnv: {
    env: 'NODE_ENV',
    description: 'development, production or test. Production refuses insecure settings.',
    parse: oneOf<NodeEnv>('development', 'production', 'test'),
    default: 'development',
  },
  host: {
    env: 'HOST',
    description: 'Interface the HTTP server binds to.',
    parse: str,
    default: '127.0.0.1',
  },
  port: {
    env: 'PORT',
    description: 'HTTP port (0 picks a free one).',
    parse: int(0, 65535),
    default: '8000',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    description: 'Base URL clients use, for links in pagination and mail. Defaults to http://HOST:PORT.',
    parse: url('http:', 'https:'),
  },
} satisfies Record<string, Setting<unknown>>;

/** How `serve` splits into processes and how a process shuts down. */
export const processSettings = {
  webConcurrency: {
    env: 'WEB_CONCURRENCY',
    description:
      '`serve` runs this many API processes (node:cluster, one port); auto: one per core. 1: a single process, no primary. Each has its own DATABASE_POOL_MAX.',
    parse: (raw) => {
      if (raw === 'auto') return os.availableParallelism();
      const count = Number(raw);
      return Number.isInteger(count) && count >= 1 && count <= 256
        ? count
        : expect('auto or a whole number from 1 to 256');
    },
    default: 'auto',
  },
  workerInProcess: {
    env: 'WORKER_IN_PROCESS',
    description:
      '`serve` also runs the job worker (one for the whole group: a child process beside the API processes). Set false when `opsdesk worker` runs separately.',
    parse: bool,
    default: 'true',
  },
  workerConcurrency: {
    env: 'WORKER_CONCURRENCY',
    description: 'Jobs one worker process runs at once.',
    parse: int(1, 100),
    default: '4',
  },
  shutdownDrainDelayMs: {
    env: 'SHUTDOWN_DRAIN_DELAY_MS',
    description:
      'After SIGTERM: readiness answers 503 at once and requests are still served this long, so load balancers stop sending before the listener closes.',
    parse: int(0, 600_000),
    defaultFor: (mode) => (mode === 'production' ? '5000' : '0'),
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    description:
      "Hard deadline of a shutdown, drain delay included: what still runs then is cut and the process exits 1. Keep it under the orchestrator's grace period (Kubernetes: 30 s).",
    parse: int(1000, 3_600_000),
    default: '25000',
  },
} satisfies Record<string, Setting<unknown>>;
