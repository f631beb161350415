import { Migration } from '@mikro-orm/migrations';

export class Migration20261205080825 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "review_task" add column "revocation_actor_ids" jsonb not null default '[]';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "review_task" drop column "revocation_actor_ids";`);
  }

}
