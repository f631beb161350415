import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-in and roles for the web pages (sessions, emailed sign-in links, role assignments),
 * plus two hand-written indexes the reviewer pages read through: tasks by assignee, and the
 * tasks an identity decided.
 */
export class Migration20261204202452 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "login_token" ("id" serial primary key, "token_hash" varchar(64) not null, "nonce_hash" varchar(64) not null, "identity_id" int not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "used_at" timestamptz null, "requested_ip" varchar(100) null);`);
    this.addSql(`alter table "login_token" add constraint "login_token_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "login_token_identity_id_index" on "login_token" ("identity_id");`);

    this.addSql(`create table "role_assignment" ("id" serial primary key, "identity_id" int not null, "role" varchar(30) not null, "granted_by" varchar(400) not null, "granted_at" timestamptz not null default now());`);
    this.addSql(`alter table "role_assignment" add constraint "role_assignment_identity_id_role_unique" unique ("identity_id", "role");`);

    this.addSql(`create table "web_session" ("id" serial primary key, "token_hash" varchar(64) not null, "identity_id" int not null, "csrf_token" varchar(64) not null, "sign_in_method" varchar(20) not null, "created_at" timestamptz not null default now(), "last_seen_at" timestamptz not null default now(), "expires_at" timestamptz not null, "revoked_at" timestamptz null, "revoked_by" varchar(400) null, "ip_address" varchar(100) null, "user_agent" varchar(400) null);`);
    this.addSql(`alter table "web_session" add constraint "web_session_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "web_session_identity_id_index" on "web_session" ("identity_id");`);

    this.addSql(`alter table "login_token" add constraint "login_token_identity_id_foreign" foreign key ("identity_id") references "identity" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "role_assignment" add constraint "role_assignment_identity_id_foreign" foreign key ("identity_id") references "identity" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "web_session" add constraint "web_session_identity_id_foreign" foreign key ("identity_id") references "identity" ("id") on update cascade on delete cascade;`);

    // Not expressible in the entity definitions: a GIN index for `assignee_ids @> '[id]'` and
    // a partial index for "tasks this identity decided".
    this.addSql(`create index "review_task_assignee_ids_gin" on "review_task" using gin ("assignee_ids" jsonb_path_ops);`);
    this.addSql(`create index "task_event_decision_actor_index" on "task_event" ("actor_id", "task_id") where "type" in ('certified', 'removed');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "review_task_assignee_ids_gin";`);
    this.addSql(`drop index if exists "task_event_decision_actor_index";`);

    this.addSql(`drop table if exists "login_token" cascade;`);

    this.addSql(`drop table if exists "role_assignment" cascade;`);

    this.addSql(`drop table if exists "web_session" cascade;`);
  }

}
