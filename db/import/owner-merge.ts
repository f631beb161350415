/** Sets the owners of resources and applications from an import. */
import type pg from 'pg';
import { copyRows } from './copy.js';
import { rowKey } from './table-sync.js';
import type { NormalisedImport } from './types.js';

/**
 * Sets resource owners where the data names them: the identities holding an
 * ownership resource (such as `owner` or `admin`) of the same parent object, and the owners
 * a file names itself. Resources without either keep the owners they have.
 */
export async function mergeResourceOwners(
  client: pg.ClientBase,
  data: NormalisedImport,
  appIds: number[],
  resourceIds: Map<string, number>,
  applicationIds: Map<string, number>,
) {
  await client.query(
    'create temp table explicit_owner (resource_id int, email text) on commit drop',
  );
  await copyRows(
    client,
    'explicit_owner',
    ['resource_id', 'email'],
    data.resources.flatMap((row) =>
      (row.ownerEmails ?? []).map((email) => [
        resourceIds.get(rowKey(applicationIds.get(row.applicationKey)!, row.externalId)),
        email,
      ]),
    ),
  );
  await client.query(
    `create temp table desired_owner on commit drop as
     select distinct r.id as resource_id, a.identity_id
     from resource r
     join resource o on o.application_id = r.application_id and o.parent_external_id = r.parent_external_id
       and o.grants_ownership and o.removed_at is null
     join "grant" g on g.resource_id = o.id and g.removed_at is null and g.principal_type = 'account'
     join account a on a.id = g.account_id and a.identity_id is not null and a.removed_at is null
     where r.application_id = any($1::int[]) and r.removed_at is null
     union
     select e.resource_id, i.id from explicit_owner e join identity i on i.external_key = e.email`,
    [appIds],
  );
  await client.query(
    `create temp table governed_resource on commit drop as
     select r.id from resource r
     where r.application_id = any($1::int[]) and (
       exists (select 1 from resource o where o.application_id = r.application_id
               and o.parent_external_id = r.parent_external_id and o.grants_ownership)
       or exists (select 1 from explicit_owner e where e.resource_id = r.id))`,
    [appIds],
  );
  await client.query(
    `delete from resource_owner ro using governed_resource gr
     where ro.resource_id = gr.id and not exists (
       select 1 from desired_owner d where d.resource_id = ro.resource_id and d.identity_id = ro.identity_id)`,
  );
  await client.query(
    `insert into resource_owner (resource_id, identity_id)
     select resource_id, identity_id from desired_owner on conflict do nothing`,
  );
}

export async function mergeApplicationOwners(client: pg.ClientBase, data: NormalisedImport) {
  for (const application of data.applications) {
    if (!application.ownerEmails?.length) continue;
    await client.query(
      `delete from application_owner ao using application a, identity i
       where ao.application_id = a.id and a.key = $1 and ao.identity_id = i.id
         and not (i.external_key = any($2::text[]))`,
      [application.key, application.ownerEmails],
    );
    await client.query(
      `insert into application_owner (application_id, identity_id)
       select a.id, i.id from application a join identity i on i.external_key = any($2::text[])
       where a.key = $1 on conflict do nothing`,
      [application.key, application.ownerEmails],
    );
  }
}
