import { describe, expect, it } from 'vitest';
import { recert } from '../support/cli.js';
import { useTestDatabase } from '../support/database.js';
import { seedOrganisation } from '../support/fixtures.js';

const db = useTestDatabase();

describe('recert identities find', () => {
  it('prints ids, roles and open tasks', { timeout: 60_000 }, async () => {
    const org = await seedOrganisation(db.orm);
    await db.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into role_assignment (identity_id, role, granted_by) values (?, 'super_admin', 'test')`,
        [org.ids.superAdmin],
      );
    const tag = org.emails.superAdmin.split('-')[1]!.split('@')[0]!;

    const found = await recert(['identities', 'find', `superadmin ${tag}`], {
      DATABASE_URL: db.url,
    });
    expect(found.code).toBe(0);
    expect(found.stdout).toMatch(
      new RegExp(
        `^\\s*${org.ids.superAdmin}  superAdmin ${tag} <${org.emails.superAdmin}>  open tasks: 0  roles: super_admin$`,
        'm',
      ),
    );

    const json = await recert(['identities', 'find', tag, '--json'], { DATABASE_URL: db.url });
    const rows = JSON.parse(json.stdout) as { id: number }[];
    expect(rows.map((row) => row.id).sort((a, b) => a - b)).toEqual(
      Object.values(org.ids).sort((a, b) => a - b),
    );
  });

  it('exits 1 when nothing matches and 2 without text', { timeout: 60_000 }, async () => {
    const none = await recert(['identities', 'find', 'no-such-person-anywhere'], {
      DATABASE_URL: db.url,
    });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('No identity’s name, email or login contains');
    const empty = await recert(['identities', 'find'], { DATABASE_URL: db.url });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('at least two characters');
  });
});
