import { Migration } from '@mikro-orm/migrations';

export class Migration20261205133113 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "connector_call" ("id" bigserial primary key, "task_id" varchar(200) not null, "connector" varchar(200) not null, "call" varchar(20) not null, "idempotency_key" varchar(300) null, "attempt" int not null, "attempt_key" varchar(400) not null, "started_at" timestamptz not null, "finished_at" timestamptz not null, "outcome" varchar(20) not null, "detail" text null);`);
    this.addSql(`alter table "connector_call" add constraint "connector_call_attempt_key_unique" unique ("attempt_key");`);
    this.addSql(`create index "connector_call_task_id_started_at_index" on "connector_call" ("task_id", "started_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "connector_call" cascade;`);
  }

}
