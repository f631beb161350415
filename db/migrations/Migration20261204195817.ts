import { Migration } from '@mikro-orm/migrations';

export class Migration20261204195817 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "application" ("id" serial primary key, "key" varchar(200) not null, "name" varchar(400) not null, "description" text null, "risk_level" varchar(20) not null default 'medium', "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "application" add constraint "application_key_unique" unique ("key");`);

    this.addSql(`create table "audit_event" ("id" bigserial primary key, "at" timestamptz not null default now(), "actor" varchar(400) not null, "action" varchar(100) not null, "target_type" varchar(100) null, "target_id" varchar(400) null, "outcome" varchar(20) not null default 'ok', "reason" text null, "detail" jsonb null);`);
    this.addSql(`create index "audit_event_at_index" on "audit_event" ("at");`);
    this.addSql(`create index "audit_event_target_type_target_id_index" on "audit_event" ("target_type", "target_id");`);

    this.addSql(`create table "identity" ("id" serial primary key, "external_key" varchar(320) not null, "email" varchar(320) null, "display_name" varchar(400) not null, "department" varchar(200) null, "title" varchar(200) null, "employee_number" varchar(100) null, "manager_id" int null, "employment_status" varchar(20) not null default 'active', "terminated_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "identity" add constraint "identity_external_key_unique" unique ("external_key");`);
    this.addSql(`create index "identity_department_index" on "identity" ("department");`);
    this.addSql(`create index "identity_manager_id_index" on "identity" ("manager_id");`);

    this.addSql(`create table "campaign" ("id" serial primary key, "name" varchar(400) not null, "instructions" text not null default '', "instructions_revision" int not null default 1, "default_view" varchar(20) not null default 'by_application', "scope" jsonb not null, "policy_name" varchar(200) not null, "policy_version" int not null, "owner_id" int not null, "admin_ids" jsonb not null default '[]', "starts_at" timestamptz null, "due_at" timestamptz not null, "no_response_rule" varchar(30) not null default 'leave_open', "status" varchar(20) not null default 'draft', "created_at" timestamptz not null default now(), "launched_at" timestamptz null, "closed_at" timestamptz null);`);

    this.addSql(`create table "application_owner" ("application_id" int not null, "identity_id" int not null, constraint "application_owner_pkey" primary key ("application_id", "identity_id"));`);

    this.addSql(`create table "account" ("id" serial primary key, "application_id" int not null, "external_id" varchar(1000) not null, "login" varchar(400) null, "email" varchar(320) null, "display_name" varchar(400) not null, "identity_id" int null, "account_type" varchar(20) not null default 'human', "status" varchar(20) not null default 'enabled', "last_login_at" timestamptz null, "last_used_at" timestamptz null, "first_seen_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "removed_at" timestamptz null);`);
    this.addSql(`create index "account_identity_id_index" on "account" ("identity_id");`);
    this.addSql(`alter table "account" add constraint "account_application_id_external_id_unique" unique ("application_id", "external_id");`);

    this.addSql(`create table "import_run" ("id" serial primary key, "application_id" int null, "source_file" text not null, "sha256" varchar(64) not null, "format" varchar(20) not null, "sync_id" varchar(200) null, "counts" jsonb null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "status" varchar(20) not null default 'running', "error" text null, "actor" varchar(320) null);`);
    this.addSql(`create index "import_run_sha256_index" on "import_run" ("sha256");`);

    this.addSql(`create table "outbox_message" ("id" serial primary key, "idempotency_key" varchar(400) not null, "channel" varchar(20) not null, "recipient" varchar(400) not null, "recipient_identity_id" int null, "subject" varchar(1000) not null, "body" text not null, "provider" varchar(20) not null, "provider_message_id" varchar(400) null, "created_at" timestamptz not null default now(), "delivered_at" timestamptz null, "error" text null);`);
    this.addSql(`alter table "outbox_message" add constraint "outbox_message_idempotency_key_unique" unique ("idempotency_key");`);
    this.addSql(`create index "outbox_message_recipient_identity_id_index" on "outbox_message" ("recipient_identity_id");`);

    this.addSql(`create table "policy" ("id" serial primary key, "name" varchar(200) not null, "version" int not null, "definition" jsonb not null, "digest" varchar(64) not null, "published_by" varchar(320) not null, "published_at" timestamptz not null default now());`);
    this.addSql(`alter table "policy" add constraint "policy_name_version_unique" unique ("name", "version");`);

    this.addSql(`create table "principal_group" ("id" serial primary key, "application_id" int not null, "external_id" varchar(1000) not null, "display_name" varchar(1000) not null, "removed_at" timestamptz null);`);
    this.addSql(`alter table "principal_group" add constraint "principal_group_application_id_external_id_unique" unique ("application_id", "external_id");`);

    this.addSql(`create table "resource" ("id" serial primary key, "application_id" int not null, "external_id" varchar(1000) not null, "display_name" varchar(1000) not null, "description" text null, "resource_type" varchar(200) not null, "parent_external_id" varchar(1000) null, "parent_name" varchar(1000) null, "slug" varchar(200) null, "risk_level" varchar(20) not null default 'medium', "grants_ownership" boolean not null default false, "removed_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`alter table "resource" add constraint "resource_application_id_external_id_unique" unique ("application_id", "external_id");`);

    this.addSql(`create table "grant" ("id" serial primary key, "application_id" int not null, "resource_id" int not null, "principal_type" varchar(20) not null, "account_id" int null, "group_id" int null, "external_id" varchar(2000) not null, "inherited" boolean not null default false, "sources" jsonb not null default '[]', "first_seen_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "removed_at" timestamptz null);`);
    this.addSql(`create index "grant_resource_id_index" on "grant" ("resource_id");`);
    this.addSql(`create index "grant_account_id_index" on "grant" ("account_id");`);
    this.addSql(`alter table "grant" add constraint "grant_application_id_external_id_unique" unique ("application_id", "external_id");`);

    this.addSql(`create table "resource_owner" ("resource_id" int not null, "identity_id" int not null, constraint "resource_owner_pkey" primary key ("resource_id", "identity_id"));`);

    this.addSql(`create table "review_task" ("id" varchar(200) not null, "campaign_id" int null, "grant_id" int null, "application_id" int null, "resource_id" int null, "account_id" int null, "subject_identity_id" int null, "status" varchar(20) not null, "revocation_status" varchar(30) null, "assignee_id" int null, "step_index" int not null default 0, "step_name" varchar(200) null, "policy_name" varchar(200) not null, "policy_version" int not null, "state_version" int not null, "risk_level" varchar(20) null, "recommendation" varchar(20) null, "summary" text null, "step_due_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "closed_at" timestamptz null, constraint "review_task_pkey" primary key ("id"));`);
    this.addSql(`create index "review_task_campaign_id_status_index" on "review_task" ("campaign_id", "status");`);
    this.addSql(`create index "review_task_assignee_id_status_index" on "review_task" ("assignee_id", "status");`);

    this.addSql(`create table "task_event" ("id" bigserial primary key, "task_id" varchar(200) not null, "seq" int not null, "type" varchar(40) not null, "actor_id" int null, "actor_label" varchar(400) not null, "at" timestamptz not null, "step_index" int null, "policy_name" varchar(200) not null, "policy_version" int not null, "comment" text null, "data" jsonb null);`);
    this.addSql(`alter table "task_event" add constraint "task_event_task_id_seq_unique" unique ("task_id", "seq");`);

    this.addSql(`alter table "identity" add constraint "identity_manager_id_foreign" foreign key ("manager_id") references "identity" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "campaign" add constraint "campaign_owner_id_foreign" foreign key ("owner_id") references "identity" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "application_owner" add constraint "application_owner_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "application_owner" add constraint "application_owner_identity_id_foreign" foreign key ("identity_id") references "identity" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "account" add constraint "account_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "account" add constraint "account_identity_id_foreign" foreign key ("identity_id") references "identity" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "import_run" add constraint "import_run_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "principal_group" add constraint "principal_group_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "resource" add constraint "resource_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "grant" add constraint "grant_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "grant" add constraint "grant_resource_id_foreign" foreign key ("resource_id") references "resource" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "grant" add constraint "grant_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "grant" add constraint "grant_group_id_foreign" foreign key ("group_id") references "principal_group" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "resource_owner" add constraint "resource_owner_resource_id_foreign" foreign key ("resource_id") references "resource" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "resource_owner" add constraint "resource_owner_identity_id_foreign" foreign key ("identity_id") references "identity" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "application_owner" drop constraint "application_owner_application_id_foreign";`);

    this.addSql(`alter table "account" drop constraint "account_application_id_foreign";`);

    this.addSql(`alter table "import_run" drop constraint "import_run_application_id_foreign";`);

    this.addSql(`alter table "principal_group" drop constraint "principal_group_application_id_foreign";`);

    this.addSql(`alter table "resource" drop constraint "resource_application_id_foreign";`);

    this.addSql(`alter table "grant" drop constraint "grant_application_id_foreign";`);

    this.addSql(`alter table "identity" drop constraint "identity_manager_id_foreign";`);

    this.addSql(`alter table "campaign" drop constraint "campaign_owner_id_foreign";`);

    this.addSql(`alter table "application_owner" drop constraint "application_owner_identity_id_foreign";`);

    this.addSql(`alter table "account" drop constraint "account_identity_id_foreign";`);

    this.addSql(`alter table "resource_owner" drop constraint "resource_owner_identity_id_foreign";`);

    this.addSql(`alter table "grant" drop constraint "grant_account_id_foreign";`);

    this.addSql(`alter table "grant" drop constraint "grant_group_id_foreign";`);

    this.addSql(`alter table "grant" drop constraint "grant_resource_id_foreign";`);

    this.addSql(`alter table "resource_owner" drop constraint "resource_owner_resource_id_foreign";`);

    this.addSql(`drop table if exists "application" cascade;`);

    this.addSql(`drop table if exists "audit_event" cascade;`);

    this.addSql(`drop table if exists "identity" cascade;`);

    this.addSql(`drop table if exists "campaign" cascade;`);

    this.addSql(`drop table if exists "application_owner" cascade;`);

    this.addSql(`drop table if exists "account" cascade;`);

    this.addSql(`drop table if exists "import_run" cascade;`);

    this.addSql(`drop table if exists "outbox_message" cascade;`);

    this.addSql(`drop table if exists "policy" cascade;`);

    this.addSql(`drop table if exists "principal_group" cascade;`);

    this.addSql(`drop table if exists "resource" cascade;`);

    this.addSql(`drop table if exists "grant" cascade;`);

    this.addSql(`drop table if exists "resource_owner" cascade;`);

    this.addSql(`drop table if exists "review_task" cascade;`);

    this.addSql(`drop table if exists "task_event" cascade;`);
  }

}
