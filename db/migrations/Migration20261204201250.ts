import { Migration } from '@mikro-orm/migrations';

export class Migration20261204201250 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "identity" add column "login" varchar(400) null;`);
    this.addSql(`create index "identity_login_index" on "identity" ("login");`);

    this.addSql(`alter table "principal_group" add column "first_seen_at" timestamptz not null default now(), add column "last_seen_at" timestamptz not null default now();`);

    this.addSql(`alter table "resource" add column "last_seen_at" timestamptz not null default now();`);

    this.addSql(`create index "grant_group_id_index" on "grant" ("group_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "identity_login_index";`);
    this.addSql(`alter table "identity" drop column "login";`);

    this.addSql(`alter table "principal_group" drop column "first_seen_at", drop column "last_seen_at";`);

    this.addSql(`alter table "resource" drop column "last_seen_at";`);

    this.addSql(`drop index "grant_group_id_index";`);
  }

}
