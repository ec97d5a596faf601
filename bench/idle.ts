/**
 * What an idle Nightjar process costs: each role started alone with the built CLI
 * (`node bin/nightjar.js run --roles R`, after `npm run build` and `npx nightjar services start`),
 * left to settle, then its CPU time (user + system, from /proc) over a quiet window, with no
 * alert flowing. Roles take turns run by run.
 *
 *   npx tsx bench/idle.ts [--roles api,worker,sink,jobs] [--runs 3] [--settle 20] [--seconds 15] [--out idle.json]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { cpuTicks, TICKS_PER_SECOND } from './local-broker.js';

const { values } = parseArgs({
  options: {
    roles: { type: 'string', default: 'api,worker,sink,jobs' },
    runs: { type: 'string', default: '3' },
    settle: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '15' },
    out: { type: 'string', default: 'idle.json' },
  },
});
const ROLES = values.roles.split(',');
const RUNS = Number(values.runs);
const SETTLE_S = Number(values.settle);
const SECONDS = Number(values.seconds);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function idleShare(role: string, run: number): Promise<number> {
  const cli = new URL('../bin/nightjar.js', import.meta.url).pathname;
  const port = String(18_100 + run * 10 + ROLES.indexOf(role));
  const child = spawn(process.execPath, [cli, 'run', '--roles', role], { env: { ...process.env, NIGHTJAR_API_PORT: port, NIGHTJAR_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await sleep(SETTLE_S * 1000);
    if (child.exitCode !== null) throw new Error(`role ${role} exited with ${child.exitCode} while settling`);
    const before = cpuTicks(child.pid!);
    await sleep(SECONDS * 1000);
    return (cpuTicks(child.pid!) - before) / TICKS_PER_SECOND / SECONDS;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const runs: { role: string; shareOfCore: number; loadAverage: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  for (const role of ROLES) {
    const shareOfCore = Math.round((await idleShare(role, run)) * 1000) / 1000;
    runs.push({ role, shareOfCore, loadAverage: Math.round(loadavg()[0]! * 10) / 10 });
    console.error(`run ${run + 1}/${RUNS}: ${role} idle ${(shareOfCore * 100).toFixed(1)} % of a core`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = {
  settings: { roles: ROLES, runs: RUNS, settleSeconds: SETTLE_S, seconds: SECONDS },
  medianShareOfCore: Object.fromEntries(ROLES.map((role) => [role, median(runs.filter((r) => r.role === role).map((r) => r.shareOfCore))])),
  runs,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${values.out}`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
