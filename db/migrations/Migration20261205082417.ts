import { Migration } from '@mikro-orm/migrations';

export class Migration20261205082417 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "task_event_deleted_index" on "task_event" ("task_id") where "type" = 'deleted';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "task_event_deleted_index";`);
  }

}
