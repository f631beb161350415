import { Migration } from '@mikro-orm/migrations';

export class Migration20261205163314 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "import_run_application" ("import_run_id" int not null, "application_id" int not null, constraint "import_run_application_pkey" primary key ("import_run_id", "application_id"));`);

    this.addSql(`alter table "import_run_application" add constraint "import_run_application_import_run_id_foreign" foreign key ("import_run_id") references "import_run" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "import_run_application" add constraint "import_run_application_application_id_foreign" foreign key ("application_id") references "application" ("id") on update cascade on delete cascade;`);

    // Backfill from the one application each run stored, and from the 'import' audit events,
    // which an import writes for every application of its file with the run's id.
    this.addSql(`insert into "import_run_application" ("import_run_id", "application_id")
      select "id", "application_id" from "import_run" where "application_id" is not null
      union
      select r."id", a."id"
        from "audit_event" e
        join "import_run" r on r."id"::text = e."detail"->>'importRunId' and r."status" = 'succeeded'
        join "application" a on a."key" = e."target_id"
       where e."action" = 'import' and e."target_type" = 'application' and e."outcome" = 'ok';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "import_run_application" cascade;`);
  }

}
