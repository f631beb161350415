import { Migration } from '@mikro-orm/migrations';

export class Migration20261204211832 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "campaign_grant" ("campaign_id" int not null, "grant_id" int not null, "seq" int not null, "task_id" varchar(200) not null, "application_id" int not null, "application_key" varchar(200) not null, "application_name" varchar(400) not null, "resource_id" int not null, "resource_external_id" varchar(1000) not null, "resource_name" varchar(1000) not null, "resource_type" varchar(200) not null, "risk_level" varchar(20) not null, "principal_type" varchar(20) not null, "account_id" int null, "group_id" int null, "principal_external_id" varchar(1000) not null, "principal_name" varchar(1000) not null, "account_status" varchar(20) null, "subject_identity_id" int null, "subject_name" varchar(400) not null, "identity_status" varchar(20) null, "inherited" boolean not null, "granted_via" jsonb not null, "assignee_ids" jsonb not null, "assigned_via" varchar(20) not null, "reviewer_reason" text null, constraint "campaign_grant_pkey" primary key ("campaign_id", "grant_id"));`);
    this.addSql(`alter table "campaign_grant" add constraint "campaign_grant_task_id_unique" unique ("task_id");`);
    this.addSql(`alter table "campaign_grant" add constraint "campaign_grant_campaign_id_seq_unique" unique ("campaign_id", "seq");`);

    this.addSql(`alter table "campaign_grant" add constraint "campaign_grant_campaign_id_foreign" foreign key ("campaign_id") references "campaign" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "campaign" add column "created_by" varchar(400) null, add column "snapshot_at" timestamptz null, add column "snapshot_grants" int null, add column "source_imports" jsonb null, add column "workflow_id" varchar(200) null, add column "task_admin_ids" jsonb null, add column "task_super_admin_ids" jsonb null, add column "launched_by" varchar(400) null, add column "tasks_started" int not null default 0, add column "digests_sent_at" timestamptz null, add column "last_reminder_at" timestamptz null, add column "closed_by" varchar(400) null, add column "close_rule" varchar(30) null, add column "close_summary" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "campaign_grant" cascade;`);

    this.addSql(`alter table "campaign" drop column "created_by", drop column "snapshot_at", drop column "snapshot_grants", drop column "source_imports", drop column "workflow_id", drop column "task_admin_ids", drop column "task_super_admin_ids", drop column "launched_by", drop column "tasks_started", drop column "digests_sent_at", drop column "last_reminder_at", drop column "closed_by", drop column "close_rule", drop column "close_summary";`);
  }

}
