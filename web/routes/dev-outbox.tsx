import { Hono } from 'hono';
import { requireRole, requireUser } from '../auth/require.js';
import type { AppEnv } from '../deps.js';
import { positiveInt } from '../forms.js';
import { page } from '../render.js';
import { Pagination, Time, urlWith } from '../views/components.js';

const PAGE_SIZE = 50;

/** Message text with its http(s) URLs as links; everything else stays escaped text. */
function LinkedText(props: { text: string }) {
  const parts = props.text.split(/(https?:\/\/[^\s<>"]+)/g);
  return (
    <pre class="message-body">
      {parts.map((part, index) => (index % 2 === 1 ? <a href={part}>{part}</a> : part))}
    </pre>
  );
}

interface OutboxRow {
  id: number;
  created_at: Date;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  provider: string;
  delivered_at: Date | null;
  error: string | null;
  total: string;
}

/**
 * The notification outbox, newest first, so `npm start` users can open sign-in links and
 * task notifications without a mail provider. Development mode and super admins only: the
 * bodies hold live sign-in links.
 */
export const devOutboxRoutes = new Hono<AppEnv>()
  .use(requireUser(), requireRole('super_admin'))
  .get('/', async (c) => {
    const pageNumber = positiveInt(c.req.query('page')) ?? 1;
    const rows = await c
      .get('deps')
      .orm.em.fork()
      .getConnection()
      .execute<OutboxRow[]>(
        `select id, created_at, channel, recipient, subject, body, provider, delivered_at, error,
                count(*) over () as total
           from outbox_message order by created_at desc, id desc
          limit ${PAGE_SIZE} offset ${(pageNumber - 1) * PAGE_SIZE}`,
      );
    const total = Number(rows[0]?.total ?? 0);
    return page(
      c,
      'Outbox',
      <>
        <h1>Outbox</h1>
        <p class="muted">
          Every notification Recert stored, newest first. Without RESEND_API_KEY or SLACK_BOT_TOKEN
          this page is the only delivery.
        </p>
        {rows.length === 0 ? <p>No messages yet.</p> : null}
        <ol class="outbox">
          {rows.map((row) => (
            <li>
              <article aria-labelledby={`message-${row.id}`}>
                <h2 id={`message-${row.id}`}>{row.subject}</h2>
                <p class="muted">
                  {`To ${row.recipient} by ${row.channel} (${row.provider}) · `}
                  <Time value={row.created_at} />
                  {row.error ? ` · delivery error: ${row.error}` : ''}
                </p>
                <LinkedText text={row.body} />
              </article>
            </li>
          ))}
        </ol>
        <Pagination
          page={pageNumber}
          pageCount={Math.ceil(total / PAGE_SIZE)}
          href={(p) => urlWith('/dev/outbox', { page: p })}
        />
      </>,
    );
  });
