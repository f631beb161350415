import type { EntityManager } from '@mikro-orm/postgresql';
import type { GrantSource } from '../entities/grant.entity.js';

/** One current grant with what a reviewer needs to see about it. */
export interface GrantInScope {
  grantId: number;
  applicationKey: string;
  resourceId: number;
  resourceExternalId: string;
  resourceName: string;
  resourceType: string;
  riskLevel: string;
  principalType: 'account' | 'group';
  accountId: number | null;
  accountExternalId: string | null;
  accountType: string | null;
  accountStatus: string | null;
  lastLoginAt: Date | null;
  groupId: number | null;
  identityId: number | null;
  inherited: boolean;
  sources: GrantSource[];
}

export interface GrantScope {
  applicationKeys?: string[];
  resourceTypes?: string[];
  riskLevels?: string[];
  /** account, group or both (default account). */
  principalType?: 'account' | 'group' | 'both';
  /** direct, inherited or both (default both). */
  grantKind?: 'direct' | 'inherited' | 'both';
  /** Only grants held by accounts of this identity. */
  identityId?: number;
}

/** How many people hold a resource, overall and among an identity's peers. */
export interface ResourceHolders {
  identities: number;
  department: { name: string | null; members: number; holders: number };
  manager: { id: number | null; reports: number; holders: number };
}

/** Queries on grants: which principal has which resource, and through what. */
export class GrantRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Current grants (not marked removed) in a scope, in a stable order. Empty scope lists
   * mean "all".
   */
  async grantsInScope(scope: GrantScope = {}): Promise<GrantInScope[]> {
    const conditions = ['g.removed_at is null'];
    const values: unknown[] = [];
    const anyOf = (column: string, list: string[] | undefined) => {
      if (!list?.length) return;
      conditions.push(`${column} in (${list.map(() => '?').join(', ')})`);
      values.push(...list);
    };
    anyOf('ap.key', scope.applicationKeys);
    anyOf('r.resource_type', scope.resourceTypes);
    anyOf('r.risk_level', scope.riskLevels);
    const principal = scope.principalType ?? 'account';
    if (principal !== 'both')
      conditions.push(`g.principal_type = '${principal === 'group' ? 'group' : 'account'}'`);
    if (scope.grantKind === 'direct') conditions.push('not g.inherited');
    if (scope.grantKind === 'inherited') conditions.push('g.inherited');
    if (scope.identityId !== undefined) {
      conditions.push('a.identity_id = ?');
      values.push(scope.identityId);
    }
    return this.em.getConnection().execute<GrantInScope[]>(
      `select g.id as "grantId", ap.key as "applicationKey", r.id as "resourceId",
         r.external_id as "resourceExternalId", r.display_name as "resourceName",
         r.resource_type as "resourceType", r.risk_level as "riskLevel",
         g.principal_type as "principalType", a.id as "accountId", a.external_id as "accountExternalId",
         a.account_type as "accountType", a.status as "accountStatus", a.last_login_at as "lastLoginAt",
         g.group_id as "groupId", a.identity_id as "identityId", g.inherited, g.sources
       from "grant" g
       join application ap on ap.id = g.application_id
       join resource r on r.id = g.resource_id
       left join account a on a.id = g.account_id
       where ${conditions.join(' and ')}
       order by ap.key, r.external_id, g.id`,
      values,
    );
  }

  /** Current grants of one application's accounts and groups. */
  async grantsOfApplication(applicationKey: string): Promise<GrantInScope[]> {
    return this.grantsInScope({ applicationKeys: [applicationKey], principalType: 'both' });
  }

  /** Current grants held by the accounts of one identity. */
  async grantsOfIdentity(identityId: number): Promise<GrantInScope[]> {
    return this.grantsInScope({ identityId, principalType: 'account' });
  }

  /**
   * Counts the identities holding a resource through a current grant: overall, in the
   * identity's department and among the people with the same manager.
   */
  async holdersOfResource(resourceId: number, identityId: number): Promise<ResourceHolders> {
    const [row] = await this.em.getConnection().execute<
      {
        identities: string;
        department: string | null;
        department_members: string;
        department_holders: string;
        manager_id: number | null;
        manager_reports: string;
        manager_holders: string;
      }[]
    >(
      `with holders as (
         select distinct a.identity_id from "grant" g join account a on a.id = g.account_id
         where g.resource_id = ? and g.removed_at is null and a.identity_id is not null),
       subject as (select department, manager_id from identity where id = ?)
       select (select count(*) from holders) as identities,
         s.department,
         (select count(*) from identity i where i.department = s.department) as department_members,
         (select count(*) from identity i join holders h on h.identity_id = i.id where i.department = s.department) as department_holders,
         s.manager_id,
         (select count(*) from identity i where i.manager_id = s.manager_id) as manager_reports,
         (select count(*) from identity i join holders h on h.identity_id = i.id where i.manager_id = s.manager_id) as manager_holders
       from subject s`,
      [resourceId, identityId],
    );
    return {
      identities: Number(row?.identities ?? 0),
      department: {
        name: row?.department ?? null,
        members: Number(row?.department_members ?? 0),
        holders: Number(row?.department_holders ?? 0),
      },
      manager: {
        id: row?.manager_id ?? null,
        reports: Number(row?.manager_reports ?? 0),
        holders: Number(row?.manager_holders ?? 0),
      },
    };
  }
}
