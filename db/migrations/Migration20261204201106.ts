import { Migration } from '@mikro-orm/migrations';

export class Migration20261204201106 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "review_task" add column "assignee_ids" jsonb not null default '[]';`);

    this.addSql(`alter table "task_event" drop column "actor_label";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "review_task" drop column "assignee_ids";`);

    this.addSql(`alter table "task_event" add column "actor_label" varchar(400) not null;`);
  }

}
