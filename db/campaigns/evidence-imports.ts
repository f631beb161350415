import type pg from 'pg';

/** An import that wrote identities (a SCIM directory, or the users of a c1z or baton-file). */
export interface EvidenceIdentityImport {
  importRunId: number;
  /** The application the file was imported as, or null when the run has no application. */
  applicationKey: string | null;
  sourceFile: string;
  sha256: string;
  format: string;
  syncId: string | null;
  finishedAt: string | null;
  /** Identities in the file. */
  identities: number;
}

/**
 * Lists the identity imports that were current when a campaign's snapshot was taken: for each
 * application (or, for a run without one, each source file), the latest successful run that
 * contained identities and finished by then. The snapshot resolves the first step's reviewers,
 * such as managers, from the identities these runs stored. Returns an empty list before the
 * snapshot. Run it inside the export's transaction so it reads the same moment as the files.
 */
export async function identityImportsAtSnapshot(
  client: pg.Client,
  campaignId: number,
): Promise<EvidenceIdentityImport[]> {
  const { rows } = await client.query<{
    id: number;
    application_key: string | null;
    source_file: string;
    sha256: string;
    format: string;
    sync_id: string | null;
    finished_at: string | null;
    identities: number;
  }>(
    `select x.* from (
       select distinct on (coalesce(ra.application_id::text, 'file:' || r.source_file))
              r.id, ap.key as application_key, r.source_file, r.sha256, r.format, r.sync_id,
              to_char(r.finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                as finished_at,
              (r.counts->>'identities')::int as identities, r.finished_at as finished
         from import_run r
         left join import_run_application ra on ra.import_run_id = r.id
         left join application ap on ap.id = ra.application_id
        where r.status = 'succeeded'
          and coalesce((r.counts->>'identities')::int, 0) > 0
          and r.finished_at <= (select snapshot_at from campaign where id = $1)
        order by coalesce(ra.application_id::text, 'file:' || r.source_file),
                 r.finished_at desc, r.id desc) x
     order by x.finished, x.id, x.application_key`,
    [campaignId],
  );
  return rows.map((row) => ({
    importRunId: row.id,
    applicationKey: row.application_key,
    sourceFile: row.source_file,
    sha256: row.sha256,
    format: row.format,
    syncId: row.sync_id,
    finishedAt: row.finished_at,
    identities: row.identities,
  }));
}
