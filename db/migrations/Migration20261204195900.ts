import { Migration } from '@mikro-orm/migrations';

/** Makes the audit log and the task log append-only at the database level. */
export class Migration20261204195900 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function recert_reject_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
end $$;`);
    for (const table of ['audit_event', 'task_event']) {
      this.addSql(
        `create trigger ${table}_append_only before update or delete on "${table}" for each row execute function recert_reject_change();`,
      );
      this.addSql(
        `create trigger ${table}_no_truncate before truncate on "${table}" for each statement execute function recert_reject_change();`,
      );
    }
  }

  override async down(): Promise<void> {
    for (const table of ['audit_event', 'task_event']) {
      this.addSql(`drop trigger if exists ${table}_append_only on "${table}";`);
      this.addSql(`drop trigger if exists ${table}_no_truncate on "${table}";`);
    }
    this.addSql(`drop function if exists recert_reject_change();`);
  }
}
