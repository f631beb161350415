import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * SQL that is true when the campaign grant `cg` has a deleted task. A deletion removes the
 * task's projection row and leaves a `deleted` entry in its log.
 */
export const TASK_DELETED_SQL = `exists (
  select 1 from task_event d where d.task_id = cg.task_id and d.type = 'deleted')`;

/** Counts the campaign's deleted tasks through the partial index on deletion entries. */
export async function deletedTasks(em: EntityManager, campaignId: number): Promise<number> {
  const [row] = await em.getConnection().execute<{ n: string }[]>(
    `select count(*) as n from task_event e join campaign_grant cg on cg.task_id = e.task_id
      where e.type = 'deleted' and cg.campaign_id = ?`,
    [campaignId],
  );
  return Number(row?.n ?? 0);
}
