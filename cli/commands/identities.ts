import { parseOptions, splitSubcommand, UsageError } from '../command.js';
import { withDatabase } from '../context.js';
import { containsPattern, openReviewCountSql } from '../../db/search-sql.js';

export const description = 'Find identity ids by name or email, for actorId in signals';

const usage = `Usage: recert identities find TEXT [--json]

Prints the identities whose display name, email or login contains TEXT (case-insensitive),
at most 50, with their id, status, roles and the number of open review tasks assigned to
them. Signals sent with \`temporal workflow signal\` name their actor by this id (actorId).

Options:
  --json        print the rows as JSON
  -h, --help    show this help`;

const LIMIT = 50;

interface IdentityMatch {
  id: number;
  display_name: string;
  email: string | null;
  employment_status: string;
  roles: string[];
  open_tasks: number;
}

export async function run(args: string[]): Promise<number> {
  const [sub, rest] = splitSubcommand(args);
  const { values, positionals } = parseOptions(
    rest,
    {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    usage,
  );
  if (values.help || !sub) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  if (sub !== 'find') throw new UsageError(`Unknown identities command "${sub}".\n\n${usage}`);
  const text = positionals.join(' ').trim();
  if (text.length < 2)
    throw new UsageError(`Give at least two characters to search for.\n\n${usage}`);

  return withDatabase(async (orm) => {
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<IdentityMatch[]>(
        `select i.id, i.display_name, i.email, i.employment_status,
              coalesce((select array_agg(r.role order by r.role) from role_assignment r
                         where r.identity_id = i.id), '{}') as roles,
              ${openReviewCountSql('i.id')} as open_tasks
         from identity i
        where i.display_name ilike ? or i.email ilike ? or i.login ilike ?
        order by i.display_name, i.id
        limit ?`,
        [...Array(3).fill(containsPattern(text)), LIMIT + 1],
      );
    const listed = rows.slice(0, LIMIT);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
      return 0;
    }
    if (listed.length === 0) {
      process.stdout.write(`No identity’s name, email or login contains "${text}".\n`);
      return 1;
    }
    const lines = listed.map((row) => {
      const roles = row.roles.length ? `  roles: ${row.roles.join(', ')}` : '';
      const status = row.employment_status === 'active' ? '' : `  (${row.employment_status})`;
      return `${String(row.id).padStart(6)}  ${row.display_name} <${row.email ?? 'no email'}>${status}  open tasks: ${row.open_tasks}${roles}`;
    });
    if (rows.length > LIMIT) lines.push(`More than ${LIMIT} match; search for more of the name.`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  });
}
