// Import benchmark. It imports the 35k-user c1z file into a fresh database with Recert.
// In the same run, it writes the same already-normalised rows with plain COPY into empty
// tables of the same shape. It prints both times, their ratio and Recert's peak RSS.
//
// "Same shape" means `create table ... (like ... including all)` (columns, defaults, indexes,
// unique constraints) plus the same foreign keys, because PostgreSQL checks each foreign key
// row by row and Recert's import pays that too. The ratio against tables without foreign
// keys is printed as well.
//
// Usage: node --import tsx bench/import.ts
// BENCH_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names a server
// where a scratch database may be created and dropped; BENCH_RUNS sets the repetitions.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { copyRows, type CopyValue } from '../db/import/copy.js';
import { importFile, parseImport } from '../db/import/index.js';
import { createOrm, migrate } from '../db/orm.js';

const adminUrl = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 3);
const file = fileURLToPath(
  new URL('../../shared/data/baton-c1z/demo-35k-users.unexpanded.c1z', import.meta.url),
);

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

/** Times Recert's import of the file into a migrated, empty database. */
async function timeRecertImport(url: string) {
  const orm = await createOrm(url);
  try {
    await migrate(orm);
    const stages: string[] = [];
    const started = performance.now();
    let lap = started;
    let current = 'reading';
    const summary = await importFile(orm, file, {
      allowUnfinishedSync: true,
      actor: 'bench',
      application: 'bench',
      onProgress: (_done, _total, stage) => {
        if (stage === current) return;
        const now = performance.now();
        stages.push(`${current} ${(now - lap).toFixed(0)} ms`);
        current = stage;
        lap = now;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    stages.push(`${current} and commit ${(performance.now() - lap).toFixed(0)} ms`);
    return { seconds, summary, stages, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  } finally {
    await orm.close();
  }
}

/**
 * Times a plain COPY of the same rows, with ids and foreign keys already resolved, into
 * empty copies of the real tables.
 */
async function timePlainCopy(url: string, withForeignKeys: boolean) {
  const data = await parseImport(await readFile(file), file, {
    allowUnfinishedSync: true,
    application: 'bench',
  });
  const identityIds = new Map(data.identities.map((row, index) => [row.key, index + 1]));
  const accountIds = new Map(data.accounts.map((row, index) => [row.externalId, index + 1]));
  const groupIds = new Map(data.groups.map((row, index) => [row.externalId, index + 1]));
  const resourceIds = new Map(data.resources.map((row, index) => [row.externalId, index + 1]));
  const now = new Date();
  const tables: [string, string[], CopyValue[][]][] = [
    [
      'identity',
      ['id', 'external_key', 'email', 'login', 'display_name'],
      data.identities.map((row) => [
        identityIds.get(row.key)!,
        row.key,
        row.email,
        row.login,
        row.displayName,
      ]),
    ],
    [
      'account',
      [
        'id',
        'application_id',
        'external_id',
        'login',
        'email',
        'display_name',
        'identity_id',
        'account_type',
        'status',
        'last_login_at',
        'first_seen_at',
        'last_seen_at',
      ],
      data.accounts.map((row) => [
        accountIds.get(row.externalId)!,
        1,
        row.externalId,
        row.login,
        row.email,
        row.displayName,
        row.identityKey ? identityIds.get(row.identityKey) : null,
        row.accountType,
        row.status,
        row.lastLoginAt,
        now,
        now,
      ]),
    ],
    [
      'principal_group',
      ['id', 'application_id', 'external_id', 'display_name', 'first_seen_at', 'last_seen_at'],
      data.groups.map((row) => [
        groupIds.get(row.externalId)!,
        1,
        row.externalId,
        row.displayName,
        now,
        now,
      ]),
    ],
    [
      'resource',
      [
        'id',
        'application_id',
        'external_id',
        'display_name',
        'description',
        'resource_type',
        'parent_external_id',
        'parent_name',
        'slug',
        'risk_level',
        'grants_ownership',
        'last_seen_at',
      ],
      data.resources.map((row) => [
        resourceIds.get(row.externalId)!,
        1,
        row.externalId,
        row.displayName,
        row.description,
        row.resourceType,
        row.parentExternalId,
        row.parentName,
        row.slug,
        row.riskLevel ?? 'medium',
        row.grantsOwnership,
        now,
      ]),
    ],
    [
      'grant',
      [
        'id',
        'application_id',
        'resource_id',
        'principal_type',
        'account_id',
        'group_id',
        'external_id',
        'inherited',
        'sources',
        'first_seen_at',
        'last_seen_at',
      ],
      data.grants.map((row, index) => [
        index + 1,
        1,
        resourceIds.get(row.resourceExternalId)!,
        row.principalType,
        row.principalType === 'account' ? accountIds.get(row.principalExternalId) : null,
        row.principalType === 'group' ? groupIds.get(row.principalExternalId) : null,
        row.externalId,
        row.inherited,
        JSON.stringify(row.sources),
        now,
        now,
      ]),
    ],
  ];

  const orm = await createOrm(url);
  await migrate(orm);
  await orm.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('create schema baseline');
    await client.query('create table baseline.application (like public.application including all)');
    await client.query(
      `insert into baseline.application (id, key, name) values (1, 'bench', 'bench')`,
    );
    for (const [table] of tables)
      await client.query(`create table baseline."${table}" (like public."${table}" including all)`);
    if (withForeignKeys) {
      // The same foreign keys as the real tables, pointing at the baseline copies.
      const foreignKeys = await client.query<{ table: string; name: string; definition: string }>(
        `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
         from pg_constraint c
         where c.contype = 'f' and c.conrelid::regclass::text = any($1::text[])`,
        [tables.map(([table]) => (table === 'grant' ? '"grant"' : table))],
      );
      for (const key of foreignKeys.rows) {
        const definition = key.definition.replace(
          /REFERENCES ("?\w+"?)\(/,
          'REFERENCES baseline.$1(',
        );
        await client.query(
          `alter table baseline.${key.table} add constraint ${key.name} ${definition}`,
        );
      }
    }
    const rows = tables.reduce((sum, [, , list]) => sum + list.length, 0);
    const started = performance.now();
    await client.query('begin');
    for (const [table, columns, list] of tables)
      await copyRows(client, `baseline."${table}"`, columns, list);
    await client.query('commit');
    return { seconds: (performance.now() - started) / 1000, rows };
  } finally {
    await client.end();
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const recertTimes: number[] = [];
const copyTimes: number[] = [];
const copyWithoutKeysTimes: number[] = [];
let peakRss = 0;
let rows = 0;
let summary: Awaited<ReturnType<typeof timeRecertImport>>['summary'] | undefined;
for (let run = 0; run < runs; run++) {
  const recert = await withScratchDatabase(timeRecertImport);
  recertTimes.push(recert.seconds);
  peakRss = Math.max(peakRss, recert.peakRssBytes);
  summary = recert.summary;
  const copy = await withScratchDatabase((url) => timePlainCopy(url, true));
  copyTimes.push(copy.seconds);
  rows = copy.rows;
  const copyWithoutKeys = await withScratchDatabase((url) => timePlainCopy(url, false));
  copyWithoutKeysTimes.push(copyWithoutKeys.seconds);
  console.log(
    `run ${run + 1}: recert import ${recert.seconds.toFixed(2)} s, plain COPY ${copy.seconds.toFixed(2)} s, ` +
      `plain COPY without foreign keys ${copyWithoutKeys.seconds.toFixed(2)} s`,
  );
  console.log(`  import stages: ${recert.stages.join(', ')}`);
  copyTimes.push(copy.seconds);
  rows = copy.rows;
}

const recertSeconds = median(recertTimes);
const copySeconds = median(copyTimes);
console.log(`file: ${file}`);
console.log(
  `rows: ${summary?.identities} identities, ${summary?.accounts} accounts, ${summary?.groups} groups, ${summary?.resources} resources, ${summary?.grants} grants (${rows} in all)`,
);
console.log(
  `recert import (read, decode, validate, diff, write), median of ${runs}: ${recertSeconds.toFixed(2)} s`,
);
const copyWithoutKeysSeconds = median(copyWithoutKeysTimes);
console.log(
  `plain COPY of the normalised rows into empty tables with the same foreign keys, median of ${runs}: ${copySeconds.toFixed(2)} s`,
);
console.log(
  `plain COPY into the same tables without foreign keys, median of ${runs}: ${copyWithoutKeysSeconds.toFixed(2)} s`,
);
console.log(
  `ratio (COPY time / import time, so 1.0 means as fast as COPY): ${(copySeconds / recertSeconds).toFixed(2)}`,
);
console.log(
  `ratio against COPY without foreign keys: ${(copyWithoutKeysSeconds / recertSeconds).toFixed(2)}`,
);
console.log(`recert peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
