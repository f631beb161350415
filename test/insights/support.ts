import type { MikroORM } from '@mikro-orm/postgresql';
import {
  DEMO_DIRECTORY_APPLICATION,
  generateDemoOrganisation,
  type DemoOrganisation,
} from '../../db/demo/generate.js';
import { importBytes } from '../../db/import/index.js';
import type { TaskSubject } from '../../workflows/task-state.js';

/**
 * Generates a demo organisation and imports it into an empty database as `npm start` does:
 * the directory first, so the grants file's accounts find their identities by email.
 */
export async function importDemo(
  orm: MikroORM,
  options: { seed: number; identities: number },
): Promise<DemoOrganisation> {
  const demo = generateDemoOrganisation(options);
  await importBytes(orm, Buffer.from(demo.directory), 'demo.scim.json', {
    application: DEMO_DIRECTORY_APPLICATION,
    actor: 'test',
  });
  await importBytes(orm, Buffer.from(demo.grantsCsv), 'demo.grants.csv', { actor: 'test' });
  return demo;
}

/** Reads a stored grant as the subject of a review task. */
export async function subjectOf(orm: MikroORM, grantId: number): Promise<TaskSubject> {
  const [row] = await orm.em
    .fork()
    .getConnection()
    .execute<
      {
        application_id: number;
        application_key: string;
        application_name: string;
        resource_id: number;
        resource_external_id: string;
        resource_name: string;
        resource_type: string;
        risk_level: string;
        principal_type: 'account' | 'group';
        account_id: number | null;
        account_external_id: string | null;
        account_name: string | null;
        identity_id: number | null;
        identity_name: string | null;
        inherited: boolean;
      }[]
    >(
      `select ap.id as application_id, ap.key as application_key, ap.name as application_name,
            r.id as resource_id, r.external_id as resource_external_id, r.display_name as resource_name,
            r.resource_type, r.risk_level, g.principal_type, a.id as account_id,
            a.external_id as account_external_id, a.display_name as account_name,
            i.id as identity_id, i.display_name as identity_name, g.inherited
       from "grant" g
       join application ap on ap.id = g.application_id
       join resource r on r.id = g.resource_id
       left join account a on a.id = g.account_id
       left join identity i on i.id = a.identity_id
      where g.id = ?`,
      [grantId],
    );
  if (!row) throw new Error(`grant ${grantId} is not stored`);
  return {
    grantId,
    applicationId: row.application_id,
    applicationKey: row.application_key,
    applicationName: row.application_name,
    resourceId: row.resource_id,
    resourceExternalId: row.resource_external_id,
    resourceName: row.resource_name,
    resourceType: row.resource_type,
    riskLevel: row.risk_level,
    principalType: row.principal_type,
    accountId: row.account_id,
    accountExternalId: row.account_external_id ?? '',
    accountName: row.account_name ?? '',
    subjectIdentityId: row.identity_id,
    subjectName: row.identity_name ?? '',
    inherited: row.inherited,
    grantedVia: [],
  };
}
