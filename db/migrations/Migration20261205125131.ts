import { Migration } from '@mikro-orm/migrations';

export class Migration20261205125131 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "review_task_revocation_waiting_index";`);

    this.addSql(`create index "review_task_removal_work_index" on "review_task" ("updated_at") where "revocation_status" in ('pending_approval', 'awaiting_manual', 'failed', 'verification_failed');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "review_task_removal_work_index";`);

    this.addSql(`create index "review_task_revocation_waiting_index" on "review_task" ("updated_at") where "revocation_status" in ('pending_approval', 'awaiting_manual');`);
  }

}
