import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Application } from './application.entity.js';

/** Row counts an import reports and stores. */
export interface ImportCounts {
  identities: number;
  accounts: number;
  groups: number;
  resources: number;
  grants: number;
  grantsRemoved: number;
  badRows: number;
  accountsRemoved?: number;
  groupsRemoved?: number;
  resourcesRemoved?: number;
  identitiesAdded?: number;
  accountsAdded?: number;
  resourcesAdded?: number;
  grantsAdded?: number;
  warnings?: number;
}

/** One run of an importer over one file. */
export const ImportRun = defineEntity({
  name: 'ImportRun',
  tableName: 'import_run',
  properties: {
    id: p.integer().primary().autoincrement(),
    /**
     * The first application in the file. A file may contain several, so read `applications`
     * for all of them.
     */
    application: () => p.manyToOne(Application).nullable().deleteRule('set null'),
    /** Every application in the file. Empty for a failed run. */
    applications: () => p.manyToMany(Application).pivotTable('import_run_application'),
    sourceFile: p.text(),
    sha256: p.string().length(64),
    /** c1z, baton-file, scim or csv. */
    format: p.string().length(20),
    syncId: p.string().length(200).nullable(),
    counts: p.json<ImportCounts>().nullable(),
    startedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    finishedAt: p.datetime().columnType('timestamptz').nullable(),
    /** running, succeeded or failed. */
    status: p.string().length(20).default('running'),
    error: p.text().nullable(),
    actor: p.string().length(320).nullable(),
  },
  indexes: [{ properties: ['sha256'] }],
});

export type IImportRun = InferEntity<typeof ImportRun>;
