/**
 * The section `npm run bench:peer` writes into bench/RESULTS.md: ratios Opsdesk / DRF
 * per workload and concurrency with their spread over the rounds, latencies, load
 * averages, memory per process, payload sizes and what differs between the two.
 */
import os from 'node:os';
import type { PeerSettings } from './peer.ts';
import type { ProcessMemory } from './peer-stack.ts';

export const PEER_SECTION_START = '<!-- bench:peer:start -->';
export const PEER_SECTION_END = '<!-- bench:peer:end -->';

export type Side = 'peer' | 'opsdesk' | 'opsdesk-close';

export interface Measurement {
  side: Side;
  round: number;
  workload: string;
  connections: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** 1-minute load average before and after this side's run of all workloads. */
  loadBefore: number;
  loadAfter: number;
}

export interface PeerReport {
  settings: PeerSettings;
  started: Date;
  measurements: Measurement[];
  payload: Record<'peer' | 'opsdesk', Record<string, number>>;
  memory: Record<'opsdesk' | 'peer', ProcessMemory[]>;
  postgres: string;
  gunicornWorkers: string;
}

const WORKLOADS: Record<string, { name: string; target: number }> = {
  W1: { name: 'W1 list page, 50 nested', target: 10 },
  W2: { name: 'W2 search "klystron" (1%)', target: 20 },
  W3: { name: 'W3 detail, random id', target: 20 },
  W4: { name: 'W4 create (v1 POST)', target: 5 },
  W5: { name: 'W5 health', target: 5 },
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const spread = (values: number[], digits: number) =>
  values.length > 1
    ? `${fixed(median(values), digits)} (${fixed(Math.min(...values), digits)}-${fixed(Math.max(...values), digits)})`
    : fixed(values[0] ?? Number.NaN, digits);

function ratios(rows: Measurement[], side: Side, workload: string, connections: number): number[] {
  const of = (s: Side) =>
    rows.filter((r) => r.side === s && r.workload === workload && r.connections === connections);
  const peer = new Map(of('peer').map((r) => [r.round, r.perSecond]));
  return of(side)
    .filter((r) => peer.get(r.round))
    .map((r) => r.perSecond / (peer.get(r.round) as number));
}

function ratioTable(report: PeerReport): string[] {
  const rows = report.measurements;
  const close = report.settings.connectionClose;
  const lines = [
    `| workload | c | DRF req/s | Opsdesk req/s | Opsdesk / DRF | target | met? |${close ? ' Opsdesk / DRF, `Connection: close` |' : ''} DRF p50 / p99 ms | Opsdesk p50 / p99 ms | non-2xx (DRF / Opsdesk) |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | --- |${close ? ' ---: |' : ''} ---: | ---: | ---: |`,
  ];
  for (const [workload, meta] of Object.entries(WORKLOADS)) {
    for (const connections of [10, 100]) {
      const of = (side: Side) =>
        rows.filter((r) => r.side === side && r.workload === workload && r.connections === connections);
      const peer = of('peer');
      const opsdesk = of('opsdesk');
      if (peer.length === 0 && opsdesk.length === 0) continue;
      const ratio = ratios(rows, 'opsdesk', workload, connections);
      // A run that completed no request has no latency to report.
      const latency = (side: Measurement[]) => {
        const completed = side.filter((r) => r.perSecond > 0);
        return `${fixed(median(completed.map((r) => r.p50)), 1)} / ${fixed(median(completed.map((r) => r.p99)), 1)}`;
      };
      const errors = (side: Measurement[]) => side.reduce((sum, r) => sum + r.non2xx, 0);
      const met = ratio.length > 0 && Math.min(...ratio) >= meta.target ? 'yes' : '**no**';
      lines.push(
        `| ${meta.name} | ${connections} | ${spread(
          peer.map((r) => r.perSecond),
          0,
        )} | ${spread(
          opsdesk.map((r) => r.perSecond),
          0,
        )} | ${spread(ratio, 2)} | ≥ ${meta.target} | ${met} |${
          close ? ` ${spread(ratios(rows, 'opsdesk-close', workload, connections), 2)} |` : ''
        } ${latency(peer)} | ${latency(opsdesk)} | ${errors(peer)} / ${errors(opsdesk)} |`,
      );
    }
  }
  return lines;
}

/** Done-when: Opsdesk's p99 at c=100 below DRF's p50 at c=10, for W1-W4. */
function tailCheck(rows: Measurement[]): string[] {
  const lines = [
    '| workload | Opsdesk p99 at c=100 (ms) | DRF p50 at c=10 (ms) | below? |',
    '| --- | ---: | ---: | --- |',
  ];
  for (const workload of ['W1', 'W2', 'W3', 'W4']) {
    const pick = (side: Side, connections: number, key: 'p50' | 'p99') =>
      median(
        rows
          .filter((r) => r.side === side && r.workload === workload && r.connections === connections)
          .map((r) => r[key]),
      );
    const ours = pick('opsdesk', 100, 'p99');
    const theirs = pick('peer', 10, 'p50');
    lines.push(
      `| ${workload} | ${fixed(ours, 1)} | ${fixed(theirs, 1)} | ${ours < theirs ? 'yes' : '**no**'} |`,
    );
  }
  return lines;
}

function loadTable(rows: Measurement[]): string[] {
  const lines = ['| round | side | load average before | after |', '| ---: | --- | ---: | ---: |'];
  const seen = new Set<string>();
  for (const row of rows) {
    const key = `${row.round}:${row.side}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`| ${row.round} | ${row.side} | ${row.loadBefore.toFixed(2)} | ${row.loadAfter.toFixed(2)} |`);
  }
  return lines;
}

function memoryTable(memory: PeerReport['memory']): string[] {
  const lines = ['| side | process | RSS MB |', '| --- | --- | ---: |'];
  for (const [side, processes] of [
    ['Opsdesk', memory.opsdesk],
    ['DRF (gunicorn)', memory.peer],
  ] as const) {
    for (const p of processes) lines.push(`| ${side} | ${p.name} (pid ${p.pid}) | ${p.rssMb.toFixed(1)} |`);
    const total = processes.reduce((sum, p) => sum + p.rssMb, 0);
    lines.push(`| ${side} | **total, ${processes.length} processes** | **${total.toFixed(1)}** |`);
  }
  return lines;
}

function payloadTable(payload: PeerReport['payload']): string[] {
  const lines = ['| workload | DRF bytes | Opsdesk bytes |', '| --- | ---: | ---: |'];
  for (const workload of Object.keys(WORKLOADS)) {
    lines.push(
      `| ${workload} | ${payload.peer[workload]?.toLocaleString('en') ?? '—'} | ${payload.opsdesk[workload]?.toLocaleString('en') ?? '—'} |`,
    );
  }
  return lines;
}

const DIFFERENCES = [
  '- **Connections**: gunicorn sync workers answer `Connection: close`, so every DRF request opens a TCP connection; Opsdesk keeps connections alive. The `Connection: close` column makes Opsdesk reconnect on every request too (the DRF side is the same run either way).',
  '- **W1/W2 (lists)**: DRF runs a session lookup, `COUNT(*)`, the page and four `IN` queries for the nested objects (`prefetch_related`), planned on every request (psycopg2 never prepares). Opsdesk resolves the session (cached across requests), takes the exact count from its generation-keyed cache and hydrates people, facilities and types in batched round trips. DRF searches with `icontains` over title and description (trigram indexes); Opsdesk with full text plus trigram, ranked.',
  '- **W3 (detail)**: one ticket with its nested people, facility and type on both sides.',
  "- **W4 (create)**: DRF validates three foreign keys, reads the caller's profile and INSERTs in autocommit. Opsdesk writes the ticket, its number and an audit row in one transaction, with idempotency, SLA clock and workflow matching (none configured here) and notifications.",
  "- **W5 (health)**: DRF returns a constant without touching the database; Opsdesk's `/api/health/` as it is at this commit.",
  "- **Same data, same cluster**: the DRF seed (`seed_data/seed.sh`), copied row for row into the Opsdesk database `opsdesk_peer` on the peer's PostgreSQL (bench/peer-data.ts); wrk, both servers and PostgreSQL share the machine.",
];

export function peerSection(report: PeerReport): string {
  const { settings } = report;
  const cpus = os.cpus();
  return [
    `## ${report.started.toISOString().slice(0, 16).replace('T', ' ')} UTC${settings.quick ? ' (quick trial, BENCH_PEER_QUICK=1)' : ''}`,
    '',
    `- Machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.version}; PostgreSQL ${report.postgres} (the peer's cluster, port 55432, default durability)`,
    `- Opsdesk: \`node bin/opsdesk.js serve\`, WEB_CONCURRENCY=${settings.webConcurrency} (${report.memory.opsdesk.filter((p) => p.name === 'node').length} Node processes after the run; \`bin/opsdesk.js\` runs the sources through tsx, whose esbuild service is listed with them), NODE_ENV=development with rate limits off, LOG_LEVEL=warn, in-process job worker. DRF: gunicorn ${report.gunicornWorkers} sync workers`,
    `- Load: bench-bms.sh (wrk -t2, session + CSRF like the SPA), ${settings.duration} per workload and concurrency after 3 s of warm-up, ${settings.rounds} interleaved round${settings.rounds > 1 ? 's' : ''} (DRF, Opsdesk${settings.connectionClose ? ', Opsdesk with `Connection: close`' : ''}); W4's rows are deleted before every run`,
    '',
    "Requests per second are medians over the rounds, with the range (min-max) in parentheses; the ratio is taken per round (rounds where DRF completed no request are left out), then summarised. Latencies are medians of wrk's percentiles over the runs that completed requests (subject to coordinated omission).",
    '',
    ...ratioTable(report),
    '',
    ...tailCheck(report.measurements),
    '',
    '**Load averages** (1 minute) around each run:',
    '',
    ...loadTable(report.measurements),
    '',
    '**Memory after the run** (VmRSS per process):',
    '',
    ...memoryTable(report.memory),
    '',
    '**Response sizes** (one request each, body bytes):',
    '',
    ...payloadTable(report.payload),
    '',
    '**What differs**:',
    '',
    ...DIFFERENCES,
  ].join('\n');
}
