import { Counter, Gauge, type Metric } from 'prom-client';

export type TransportKind = 'sse' | 'ws';

/** Why the server ended a stream: the `reason` of `stream.closing` and of the drops metric. */
export type CloseReason = 'slow_consumer' | 'credentials_revoked' | 'shutdown' | 'message_too_big';

/** Open streams, messages sent and streams the server dropped, for /metrics. */
export function createRealtimeMetrics() {
  const connections = new Gauge({
    name: 'opsdesk_realtime_connections',
    help: 'Open realtime streams',
    labelNames: ['transport'] as const,
    // Each app's own registry takes them (metricsPlugin): several apps may share a process.
    registers: [],
  });
  const messages = new Counter({
    name: 'opsdesk_realtime_messages_sent_total',
    help: 'Events sent on realtime streams (heartbeats not counted)',
    labelNames: ['transport'] as const,
    registers: [],
  });
  const drops = new Counter({
    name: 'opsdesk_realtime_drops_total',
    help: 'Realtime streams the server closed, by reason',
    labelNames: ['transport', 'reason'] as const,
    registers: [],
  });
  return {
    connections,
    messages,
    drops,
    /** For the /metrics registry. */
    all: [connections, messages, drops] as Metric[],
  };
}

export type RealtimeMetrics = ReturnType<typeof createRealtimeMetrics>;
