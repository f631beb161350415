import type { EntityManager } from '@mikro-orm/postgresql';

/** Administrative roles. Every identity is a reviewer; these add rights on top. */
export const ROLES = ['super_admin', 'campaign_admin'] as const;
export type Role = (typeof ROLES)[number];

/** Role holders named by email in configuration (RECERT_SUPER_ADMINS, RECERT_CAMPAIGN_ADMINS). */
export interface ConfiguredRoleEmails {
  superAdminEmails: string[];
  campaignAdminEmails: string[];
}

/** Splits a comma-separated list of emails, case-folded, blanks dropped. */
export function parseEmailList(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((email) => email.trim().toLowerCase())
    .filter(Boolean);
}

/** Reads RECERT_SUPER_ADMINS and RECERT_CAMPAIGN_ADMINS. */
export function roleEmailsFromEnv(env: NodeJS.ProcessEnv = process.env): ConfiguredRoleEmails {
  return {
    superAdminEmails: parseEmailList(env.RECERT_SUPER_ADMINS),
    campaignAdminEmails: parseEmailList(env.RECERT_CAMPAIGN_ADMINS),
  };
}

function emailsFor(role: Role, config: ConfiguredRoleEmails): string[] {
  return role === 'super_admin' ? config.superAdminEmails : config.campaignAdminEmails;
}

/**
 * Identity ids holding `role`, from configuration and from the `role_assignment` table,
 * sorted. Terminated identities hold no role.
 */
export async function roleHolderIds(
  em: EntityManager,
  role: Role,
  config: ConfiguredRoleEmails = roleEmailsFromEnv(),
): Promise<number[]> {
  const rows = await em.getConnection().execute<{ id: number }[]>(
    `select i.id from identity i
      where i.employment_status <> 'terminated'
        and (lower(i.email) in (select jsonb_array_elements_text(?::jsonb))
             or exists (select 1 from role_assignment r where r.identity_id = i.id and r.role = ?))
      order by i.id`,
    // A JSON array, because the driver expands a JavaScript array into a list of parameters.
    [JSON.stringify(emailsFor(role, config)), role],
  );
  return rows.map((row) => row.id);
}

/**
 * Super admins' identity ids (configuration plus role table). Campaign launch passes them into
 * each review task's input, where the workflow validator checks repair actions against them.
 */
export function superAdminIds(
  em: EntityManager,
  config: ConfiguredRoleEmails = roleEmailsFromEnv(),
): Promise<number[]> {
  return roleHolderIds(em, 'super_admin', config);
}

/** Campaign admins' identity ids (configuration plus role table), for each task's input. */
export function campaignAdminIds(
  em: EntityManager,
  config: ConfiguredRoleEmails = roleEmailsFromEnv(),
): Promise<number[]> {
  return roleHolderIds(em, 'campaign_admin', config);
}

/** One role held by one identity, as the roles admin page lists it. */
export interface RoleHolder {
  identityId: number;
  displayName: string;
  email: string | null;
  role: Role;
  /** configuration (not removable on the page) or assigned (a `role_assignment` row). */
  source: 'configuration' | 'assigned';
  grantedBy: string | null;
  grantedAt: Date | null;
}

/** Lists every role holder, configured ones first, then by name. */
export async function listRoleHolders(
  em: EntityManager,
  config: ConfiguredRoleEmails = roleEmailsFromEnv(),
): Promise<RoleHolder[]> {
  const rows = await em.getConnection().execute<
    {
      identity_id: number;
      display_name: string;
      email: string | null;
      role: Role;
      source: RoleHolder['source'];
      granted_by: string | null;
      granted_at: Date | null;
    }[]
  >(
    `select i.id as identity_id, i.display_name, i.email, c.role, 'configuration' as source,
            null as granted_by, null::timestamptz as granted_at
       from identity i
       join (select jsonb_array_elements_text(?::jsonb) as email, 'super_admin' as role
             union all select jsonb_array_elements_text(?::jsonb), 'campaign_admin') c
         on c.email = lower(i.email)
     union all
     select i.id, i.display_name, i.email, r.role, 'assigned', r.granted_by, r.granted_at
       from role_assignment r join identity i on i.id = r.identity_id
     order by source desc, display_name, role`,
    [JSON.stringify(config.superAdminEmails), JSON.stringify(config.campaignAdminEmails)],
  );
  return rows.map((row) => ({
    identityId: row.identity_id,
    displayName: row.display_name,
    email: row.email,
    role: row.role,
    source: row.source,
    grantedBy: row.granted_by,
    grantedAt: row.granted_at,
  }));
}

/** Gives `role` to an identity; returns false when it already had it in the table. */
export async function grantRole(
  em: EntityManager,
  identityId: number,
  role: Role,
  grantedBy: string,
): Promise<boolean> {
  const rows = await em.getConnection().execute<{ id: number }[]>(
    `insert into role_assignment (identity_id, role, granted_by) values (?, ?, ?)
     on conflict (identity_id, role) do nothing returning id`,
    [identityId, role, grantedBy],
  );
  return rows.length > 0;
}

/** Takes a table-assigned role away; returns false when there was none to remove. */
export async function revokeRole(
  em: EntityManager,
  identityId: number,
  role: Role,
): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<{ id: number }[]>(
      'delete from role_assignment where identity_id = ? and role = ? returning id',
      [identityId, role],
    );
  return rows.length > 0;
}
