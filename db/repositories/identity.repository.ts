import type { EntityManager } from '@mikro-orm/postgresql';
import { Identity, type IIdentity } from '../entities/identity.entity.js';

/** Queries on identities, the people behind accounts. */
export class IdentityRepository {
  constructor(private readonly em: EntityManager) {}

  /** Finds the identity with this email, compared case-insensitively. */
  async findByEmail(email: string): Promise<IIdentity | undefined> {
    return (
      (await this.em.findOne(Identity, { externalKey: email.trim().toLowerCase() })) ?? undefined
    );
  }

  /** Finds the identity with this login or user name, compared case-insensitively. */
  async findByLogin(login: string): Promise<IIdentity | undefined> {
    const folded = login.trim().toLowerCase();
    return (
      (await this.em.findOne(
        Identity,
        { $or: [{ login: folded }, { externalKey: `login:${folded}` }] },
        { orderBy: { id: 'asc' } },
      )) ?? undefined
    );
  }

  /** People who report directly to `managerId`, by name. */
  async directReports(managerId: number): Promise<IIdentity[]> {
    return this.em.find(Identity, { manager: managerId }, { orderBy: { displayName: 'asc' } });
  }

  /** People in a department, by name. */
  async inDepartment(department: string): Promise<IIdentity[]> {
    return this.em.find(Identity, { department }, { orderBy: { displayName: 'asc' } });
  }

  /** Lists people the directory marks terminated whose accounts still have a current grant. */
  async terminatedWithAccess(): Promise<IIdentity[]> {
    const rows = await this.em.getConnection().execute<{ id: number }[]>(
      `select distinct i.id from identity i
       join account a on a.identity_id = i.id and a.removed_at is null
       join "grant" g on g.account_id = a.id and g.removed_at is null
       where i.employment_status = 'terminated'`,
    );
    return this.em.find(
      Identity,
      { id: { $in: rows.map((row) => row.id) } },
      { orderBy: { displayName: 'asc' } },
    );
  }
}
