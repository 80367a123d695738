import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/platform/db/client.ts';
import { buildApp } from '../src/app.ts';

const url = 'postgres://postgres@127.0.0.1:5432/opsdesk_bench';
const config = loadConfig({ ...process.env, DATABASE_URL: url, NODE_ENV: 'development', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn', SECRET_KEY: 'x'.repeat(40) });
const database = connectDatabase({ url, poolMax: 10, statementTimeoutMs: 30000 });
const app = await buildApp({ config, database, logger: false });
await app.ready();
const token = process.argv[2]!;
const path = process.argv[3]!;
const n = Number(process.argv[4] ?? 2000);
const headers = { authorization: `Bearer ${token}` };
const run = async (count: number) => {
  const conc = 10; let i = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (i++ < count) { const r = await app.inject({ method: 'GET', url: path, headers }); if (r.statusCode !== 200) throw new Error(r.statusCode + r.body.slice(0, 200)); } }));
};
await run(300);
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.start');
const cpu0 = process.cpuUsage(); const t0 = performance.now();
await run(n);
const wall = performance.now() - t0; const cpu = process.cpuUsage(cpu0);
const { profile } = await session.post('Profiler.stop');
writeFileSync('/tmp/prof/inproc.cpuprofile', JSON.stringify(profile));
console.log(`${n} requests: wall ${(wall / n).toFixed(2)} ms/req, node cpu ${((cpu.user + cpu.system) / 1000 / n).toFixed(2)} ms/req`);
await app.close(); await database.close();
