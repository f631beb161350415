// Insights benchmark. For organisations of about 10,000, 50,000 and 250,000 CSV grants made
// by the demo generator, it imports each into a fresh database (directory first, then the
// grants) and times `computeInsights` for every stored grant, directory grants included. It
// prints the time per grant at each size and its ratio to the smallest size. Goal: the time
// per grant does not grow with size, a ratio of about 1 or less.
//
// Usage: node --import tsx bench/insights.ts
// BENCH_ADMIN_URL (default DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/postgres)
// names a server where scratch databases may be created and dropped. BENCH_RUNS sets the
// timed repetitions per size (default 3, the median is reported); BENCH_SIZES overrides the
// grant counts as a comma-separated list.
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, totalmem } from 'node:os';
import pg from 'pg';
import { computeInsights } from '../activities/insights/compute.js';
import { DEFAULT_INSIGHTS_CONFIG } from '../activities/insights/config.js';
import {
  DEMO_DIRECTORY_APPLICATION,
  generateDemoOrganisation,
  identitiesForGrants,
} from '../db/demo/generate.js';
import { importBytes } from '../db/import/index.js';
import { createOrm, migrate } from '../db/orm.js';

const adminUrl =
  process.env.BENCH_ADMIN_URL ??
  process.env.DATABASE_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 3);
const sizes = (process.env.BENCH_SIZES ?? '10000,50000,250000').split(',').map(Number);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function withScratchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `recert_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

interface SizeResult {
  csvGrants: number;
  grants: number;
  importSeconds: number;
  computeSeconds: number[];
  counts: Record<string, number>;
  peakRssBytes: number;
}

/** Imports one generated organisation and times the bulk computation over all its grants. */
async function measure(targetGrants: number): Promise<SizeResult> {
  const demo = generateDemoOrganisation({ seed: 1, identities: identitiesForGrants(targetGrants) });
  return withScratchDatabase(async (url) => {
    const orm = await createOrm(url);
    try {
      await migrate(orm);
      const importStarted = performance.now();
      await importBytes(orm, Buffer.from(demo.directory), 'bench.scim.json', {
        application: DEMO_DIRECTORY_APPLICATION,
        actor: 'bench',
      });
      await importBytes(orm, Buffer.from(demo.grantsCsv), 'bench.grants.csv', { actor: 'bench' });
      const importSeconds = (performance.now() - importStarted) / 1000;
      // The import leaves statistics to autovacuum; analyse now, as a running system would
      // have, so each size is planned from its real row counts.
      await orm.em.fork().getConnection().execute('analyze');

      const ids = (
        await orm.em.fork().getConnection().execute<{ id: number }[]>('select id from "grant"')
      ).map((row) => row.id);
      const asOf = new Date(demo.manifest.asOf);
      const computeSeconds: number[] = [];
      let counts: Record<string, number> = {};
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        const result = await computeInsights(orm.em.fork(), ids, DEFAULT_INSIGHTS_CONFIG, asOf);
        computeSeconds.push((performance.now() - started) / 1000);
        if (result.size !== ids.length) {
          throw new Error(`computed ${result.size} of ${ids.length} grants`);
        }
        counts = {};
        for (const { recommendation } of result.values()) {
          counts[recommendation.kind] = (counts[recommendation.kind] ?? 0) + 1;
        }
      }
      return {
        csvGrants: demo.manifest.totalGrants,
        grants: ids.length,
        importSeconds,
        computeSeconds,
        counts,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      };
    } finally {
      await orm.close();
    }
  });
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `${availableParallelism()} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`,
);
const results: SizeResult[] = [];
for (const size of sizes) {
  const result = await measure(size);
  results.push(result);
  const seconds = median(result.computeSeconds);
  const perGrant = (seconds * 1e6) / result.grants;
  const perGrantBase = (median(results[0]!.computeSeconds) * 1e6) / results[0]!.grants;
  console.log(
    [
      `${result.grants.toLocaleString('en-US')} grants (${result.csvGrants.toLocaleString('en-US')} from the CSV)`,
      `import ${result.importSeconds.toFixed(1)} s`,
      `compute ${seconds.toFixed(2)} s (runs ${result.computeSeconds.map((s) => s.toFixed(2)).join(', ')})`,
      `${perGrant.toFixed(1)} µs per grant`,
      `ratio to the smallest ${(perGrant / perGrantBase).toFixed(2)}`,
      `peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      JSON.stringify(result.counts),
    ].join(' · '),
  );
}
