/**
 * Brings the rows of one access-data table, for the applications of one import, in line
 * with a snapshot. Stored rows are read once, compared in memory, and then:
 * new rows are copied straight into the table and their ids read back, changed or
 * returning rows are copied into a staging table and applied with one `UPDATE ... FROM`,
 * unchanged rows get `last_seen_at = now()`, and stored rows missing from the snapshot get
 * `removed_at = now()`. Every statement is set-based, so the cost grows with rows, not
 * round trips.
 */
import { isDeepStrictEqual } from 'node:util';
import type pg from 'pg';
import { copyRows, type CopyValue } from './copy.js';

/** Kind of a column's values, which decides how they are compared with stored ones. */
export type ColumnKind = 'text' | 'int' | 'bool' | 'timestamp' | 'json';

export interface SyncColumn {
  name: string;
  kind: ColumnKind;
  /** Keeps the stored value when the snapshot has none (for example a last login time). */
  keepStoredWhenMissing?: boolean;
  /** Value a new row gets when the snapshot has none. */
  defaultForNew?: CopyValue;
}

export interface SyncRow {
  applicationId: number;
  externalId: string;
  /** One value per column, in the order of `columns`; JSON columns as JSON text. */
  values: CopyValue[];
}

export interface SyncResult {
  /** Id of every row of the snapshot, by `applicationId:externalId`. */
  ids: Map<string, number>;
  added: number;
  removed: number;
}

export const rowKey = (applicationId: number, externalId: string) =>
  `${applicationId}:${externalId}`;

function same(kind: ColumnKind, stored: unknown, incoming: CopyValue): boolean {
  if (incoming === undefined) incoming = null;
  if (stored === null || stored === undefined) return incoming === null;
  if (incoming === null) return false;
  switch (kind) {
    case 'timestamp':
      return (stored as Date).getTime() === (incoming as Date).getTime();
    case 'json':
      return isDeepStrictEqual(stored, JSON.parse(incoming as string));
    default:
      return stored === incoming;
  }
}

export async function syncTable(
  client: pg.ClientBase,
  options: {
    table: string;
    columns: SyncColumn[];
    /** The snapshot's rows, or batches of them that an importer is still producing. */
    rows: SyncRow[] | AsyncIterable<SyncRow[]>;
    applicationIds: number[];
    /** False for a partial snapshot: stored rows missing from it are left alone. */
    markRemoved: boolean;
    /** False when nothing refers to the new rows' ids, so they need not be read back. */
    returnIds?: boolean;
  },
): Promise<SyncResult> {
  const { table, columns, rows } = options;
  const columnList = columns.map((column) => `"${column.name}"`).join(', ');
  const stored = await client.query<Record<string, unknown>>(
    `select id, application_id, external_id, removed_at is not null as removed, ${columnList}
     from ${table} where application_id = any($1::int[])`,
    [options.applicationIds],
  );
  const storedByKey = new Map<string, Record<string, unknown>>();
  let maxStoredId = 0;
  for (const row of stored.rows) {
    storedByKey.set(rowKey(row.application_id as number, row.external_id as string), row);
    maxStoredId = Math.max(maxStoredId, row.id as number);
  }

  const ids = new Map<string, number>();
  const changed: { id: number; values: CopyValue[] }[] = [];
  const unchanged: number[] = [];
  let freshCount = 0;

  /** Sorts one row into changed or unchanged, or returns its COPY values when it is new. */
  const classify = (row: SyncRow): CopyValue[] | undefined => {
    const key = rowKey(row.applicationId, row.externalId);
    const existing = storedByKey.get(key);
    if (!existing) {
      freshCount++;
      const values = row.values.map((value, column) =>
        value === null || value === undefined ? (columns[column]!.defaultForNew ?? null) : value,
      );
      return [row.applicationId, row.externalId, ...values];
    }
    ids.set(key, existing.id as number);
    let differs = existing.removed as boolean;
    const values = row.values.map((value, index) => {
      const column = columns[index]!;
      const current = existing[column.name];
      if ((value === null || value === undefined) && column.keepStoredWhenMissing) {
        value = (current ?? null) as CopyValue;
      }
      if (!differs && !same(column.kind, current, value)) differs = true;
      return value;
    });
    if (differs) changed.push({ id: existing.id as number, values });
    else unchanged.push(existing.id as number);
    return undefined;
  };

  // New rows stream into COPY as their batches arrive. They take their ids from the
  // column default; reading them back afterwards is one indexed query, far cheaper than
  // one nextval() call per row.
  const batches = Array.isArray(rows) ? [rows] : rows;
  await copyRows(
    client,
    table,
    ['application_id', 'external_id', ...columns.map((column) => column.name)],
    (async function* () {
      for await (const batch of batches) {
        const fresh: CopyValue[][] = [];
        for (const row of batch) {
          const values = classify(row);
          if (values) fresh.push(values);
        }
        if (fresh.length > 0) yield fresh;
      }
    })(),
  );
  if (freshCount > 0 && options.returnIds !== false) {
    const added = await client.query<[number, number, string]>({
      // Sequence values only grow, so the rows added now have ids above every stored row.
      text: `select id, application_id, external_id from ${table}
             where application_id = any($1::int[]) and id > $2`,
      values: [options.applicationIds, maxStoredId],
      rowMode: 'array',
    } as pg.QueryConfig);
    for (const [id, applicationId, externalId] of added.rows)
      ids.set(rowKey(applicationId, externalId), id);
  }

  if (changed.length > 0) {
    const staging = `stage_${table.replace(/\W/g, '')}`;
    await client.query(
      `create temp table ${staging} on commit drop as select id, ${columnList} from ${table} limit 0`,
    );
    await copyRows(
      client,
      staging,
      ['id', ...columns.map((column) => column.name)],
      changed.map((row) => [row.id, ...row.values]),
    );
    await client.query(
      `update ${table} t set ${columns.map((column) => `"${column.name}" = s."${column.name}"`).join(', ')},
         last_seen_at = now(), removed_at = null
       from ${staging} s where t.id = s.id`,
    );
  }
  if (unchanged.length > 0) {
    await client.query(`update ${table} set last_seen_at = now() where id = any($1::int[])`, [
      unchanged,
    ]);
  }

  let removed = 0;
  if (options.markRemoved) {
    const seen = new Set(ids.values());
    const missing = stored.rows
      .filter((row) => !row.removed && !seen.has(row.id as number))
      .map((row) => row.id as number);
    if (missing.length > 0) {
      const result = await client.query(
        `update ${table} set removed_at = now() where id = any($1::int[])`,
        [missing],
      );
      removed = result.rowCount ?? 0;
    }
  }
  return { ids, added: freshCount, removed };
}
