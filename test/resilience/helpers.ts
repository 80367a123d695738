import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sessionLogin, spawnOpsdesk } from '../helpers/cli.ts';

/**
 * Shared tools of the process-level tests: a TCP proxy that can stop forwarding (a
 * network partition between Opsdesk and a dependency), and a real `opsdesk serve`
 * process to start, call and stop.
 */

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  port: number;
  /**
   * Partitions the network: connections stay open and new ones are accepted, but no
   * byte moves in either direction until `restore()`, as when packets are dropped.
   */
  blackhole(): void;
  /** Heals the partition: what was held back flows again, as TCP would deliver it. */
  restore(): void;
  /** Cuts every open connection at once (a reset, not a partition). */
  resetConnections(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` (e.g. PostgreSQL or Redis) that a test can blackhole. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let blackholed = false;
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();

  const forward = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!blackholed) from.resume();
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    forward(client, upstream);
    forward(upstream, client);
    if (blackholed) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    blackhole() {
      blackholed = true;
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      blackholed = false;
      for (const { client, upstream } of pairs) {
        client.resume();
        upstream.resume();
      }
    },
    resetConnections() {
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.destroy();
      }
    },
    close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      return new Promise((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** `url` (postgres://, redis://, ...) with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

/** Host and port a URL points at, for `startTcpProxy`. */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
  /** Resolves when the process exits by itself. */
  exited: Promise<Exit>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Starts `node bin/opsdesk.js serve` on a free port with `env` (DATABASE_URL at least)
 * and resolves once it listens.
 */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawnOpsdesk(['serve'], { PORT: '0', LOG_LEVEL: 'warn', ...env });
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal, output: child.output() });
    });
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const match = /serving at (http:\/\/[\d.:]+)/.exec(child.output());
    if (match?.[1]) {
      return {
        url: match[1],
        pid: child.pid as number,
        output: () => child.output(),
        exited,
        async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
          try {
            return await exited;
          } finally {
            clearTimeout(timer);
          }
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not start:\n${child.output()}`);
    }
    await sleep(100);
  }
}

/** Logs in as a browser does; returns the headers of later requests (throws unless 200). */
export async function login(
  url: string,
  username: string,
  password: string,
): Promise<{ cookie: string; 'x-csrftoken': string }> {
  const { status, headers } = await sessionLogin(url, username, password);
  if (status !== 200) throw new Error(`login failed: ${status}`);
  return headers;
}

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}
