import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';

/**
 * /metrics of a cluster. A scrape reaches one API process, picked by the primary, so
 * that process asks the primary, which gathers every child's registry over IPC
 * (prom-client's aggregator) and answers with all of them. Each child labels its
 * series with its `pid`: one scrape shows every process (requests, latency, memory,
 * event-loop lag), and `sum without (pid)` gives the group.
 */

const REQUEST = 'opsdesk:metrics-request';
const ANSWER = 'opsdesk:metrics-answer';

interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isAnswer = (message: unknown): message is Answer =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === ANSWER;

/** In a cluster child: label this process's series and answer the primary's collection. */
export function shareWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  registry.setDefaultLabels({ pid: String(process.pid) });
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's answer to the primary's collection requests.
  new AggregatorRegistry();
}

/** A child without an HTTP server (the job worker) still reports its process metrics. */
export function shareProcessMetricsWithPrimary(): void {
  if (!cluster.isWorker) return;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  shareWithPrimary(registry);
}

let nextId = 0;

/** In a cluster child: the metrics of every process of the group, from the primary. */
export function groupMetrics(timeoutMs = 6000): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isAnswer(message) || message.id !== id) return;
      finish();
      if (message.text === undefined) reject(new Error(message.error ?? 'no metrics'));
      else resolve(message.text);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error('the primary did not answer with the metrics'));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      process.off('message', onMessage);
    };
    process.on('message', onMessage);
    process.send?.({ type: REQUEST, id });
  });
}

/** In the primary: answers the children's requests for the group's metrics. */
export function serveGroupMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: unknown; id?: number }) => {
    if (message.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, text }),
      (error: unknown) =>
        worker.isConnected() && worker.send({ type: ANSWER, id: message.id, error: String(error) }),
    );
  });
}
