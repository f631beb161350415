import type { EntityManager } from '@mikro-orm/postgresql';
import { Account, type IAccount } from '../entities/account.entity.js';

export interface AccountFilter {
  /** Include accounts that a newer snapshot no longer contains (default false). */
  includeRemoved?: boolean;
}

/** Queries on accounts, the logins people and services have in applications. */
export class AccountRepository {
  constructor(private readonly em: EntityManager) {}

  /** Accounts of one identity across all applications, by application. */
  async accountsOfIdentity(identityId: number, filter: AccountFilter = {}): Promise<IAccount[]> {
    return this.em.find(
      Account,
      { identity: identityId, ...(filter.includeRemoved ? {} : { removedAt: null }) },
      { populate: ['application'], orderBy: { application: { key: 'asc' }, externalId: 'asc' } },
    );
  }

  /** Human accounts of an application that no identity matched. */
  async orphanedAccounts(applicationKey: string): Promise<IAccount[]> {
    return this.em.find(
      Account,
      {
        application: { key: applicationKey },
        identity: null,
        accountType: 'human',
        removedAt: null,
      },
      { orderBy: { externalId: 'asc' } },
    );
  }

  /** Accounts of an application whose last login is before `before`, or that never logged in. */
  async unusedSince(applicationKey: string, before: Date): Promise<IAccount[]> {
    return this.em.find(
      Account,
      {
        application: { key: applicationKey },
        removedAt: null,
        $or: [{ lastLoginAt: { $lt: before } }, { lastLoginAt: null }],
      },
      { orderBy: { lastLoginAt: 'asc' } },
    );
  }
}
