import { Hono, type Context } from 'hono';
import {
  grantRole,
  listRoleHolders,
  revokeRole,
  ROLES,
  type Role,
} from '../../db/role-repository.js';
import { recordAudit } from '../../runtime/task-client.js';
import {
  actorNames,
  AUDIT_PAGE_SIZE,
  listAuditEvents,
  listLiveSessions,
} from '../admin/audit-log.js';
import { requireRole, requireUser, signedIn } from '../auth/require.js';
import { actorLabel, revokeSession } from '../auth/session.js';
import type { AppEnv } from '../deps.js';
import { field, positiveInt, readForm } from '../forms.js';
import { page } from '../render.js';
import { searchIdentities } from '../tasks/task-facts.js';
import { AuditPage, RolesPage, SessionsPage } from '../views/admin-pages.js';

const SESSION_PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

async function rolesPage(c: Context<AppEnv>, message?: { kind: 'ok' | 'error'; text: string }) {
  const user = signedIn(c);
  const { orm, config } = c.get('deps');
  const em = orm.em.fork();
  const query = (c.req.query('q') ?? '').slice(0, 200);
  return page(
    c,
    'Roles',
    <RolesPage
      holders={await listRoleHolders(em, config)}
      csrfToken={user.csrfToken}
      query={query}
      results={await searchIdentities(em, query)}
      message={message}
    />,
    message?.kind === 'error' ? 422 : 200,
  );
}

async function sessionsPage(c: Context<AppEnv>, message?: { kind: 'ok' | 'error'; text: string }) {
  const user = signedIn(c);
  const { orm, config } = c.get('deps');
  const pageNumber = positiveInt(c.req.query('page')) ?? 1;
  const { rows, total } = await listLiveSessions(
    orm.em.fork(),
    config.sessionIdleMinutes,
    pageNumber,
    SESSION_PAGE_SIZE,
  );
  return page(
    c,
    'Sessions',
    <SessionsPage
      rows={rows}
      total={total}
      page={pageNumber}
      pageSize={SESSION_PAGE_SIZE}
      idleMinutes={config.sessionIdleMinutes}
      csrfToken={user.csrfToken}
      currentSessionId={user.sessionId}
      message={message}
    />,
  );
}

/** Super-admin pages: the audit log, live sessions and role assignments. */
export const adminRoutes = new Hono<AppEnv>()
  .use(requireUser(), requireRole('super_admin'))

  .get('/audit', async (c) => {
    const em = c.get('deps').orm.em.fork();
    const text = (name: string) => (c.req.query(name) ?? '').trim().slice(0, 200) || undefined;
    const outcome = c.req.query('outcome');
    const filters = {
      actor: text('actor'),
      action: text('action'),
      target: text('target'),
      outcome:
        outcome === 'ok' || outcome === 'rejected' || outcome === 'failed' ? outcome : undefined,
      from: DATE.test(c.req.query('from') ?? '') ? c.req.query('from') : undefined,
      to: DATE.test(c.req.query('to') ?? '') ? c.req.query('to') : undefined,
    } as const;
    const pageNumber = positiveInt(c.req.query('page')) ?? 1;
    const { rows, total } = await listAuditEvents(em, filters, pageNumber);
    const names = await actorNames(
      em,
      rows.map((row) => row.actor),
    );
    return page(
      c,
      'Audit log',
      <AuditPage
        filters={filters}
        rows={rows}
        total={total}
        page={pageNumber}
        pageSize={AUDIT_PAGE_SIZE}
        names={names}
      />,
    );
  })

  .get('/sessions', (c) => sessionsPage(c))

  .post('/sessions/:id/revoke', async (c) => {
    const user = signedIn(c);
    const { orm } = c.get('deps');
    const sessionId = positiveInt(c.req.param('id'));
    const revoked = sessionId
      ? await revokeSession(orm.em.fork(), sessionId, actorLabel(user))
      : false;
    if (!revoked)
      return sessionsPage(c, { kind: 'error', text: 'That session had already ended.' });
    await recordAudit(orm, {
      actor: actorLabel(user),
      action: 'session.revoke',
      targetType: 'web_session',
      targetId: String(sessionId),
    });
    return sessionsPage(c, { kind: 'ok', text: 'Session revoked; that browser is signed out.' });
  })

  .get('/roles', (c) => rolesPage(c))

  .post('/roles', async (c) => {
    const user = signedIn(c);
    const { orm } = c.get('deps');
    const form = await readForm(c);
    const identityId = positiveInt(field(form, 'identityId'));
    const role = field(form, 'role') as Role;
    if (!identityId || !ROLES.includes(role)) {
      return rolesPage(c, { kind: 'error', text: 'Choose an identity and a role.' });
    }
    const [identity] = await orm.em
      .fork()
      .getConnection()
      .execute<{ id: number }[]>(
        `select id from identity where id = ? and employment_status <> 'terminated'`,
        [identityId],
      );
    if (!identity) return rolesPage(c, { kind: 'error', text: 'That identity is not active.' });
    const added = await grantRole(orm.em.fork(), identityId, role, actorLabel(user));
    if (added) {
      await recordAudit(orm, {
        actor: actorLabel(user),
        action: 'role.grant',
        targetType: 'identity',
        targetId: String(identityId),
        detail: { role },
      });
    }
    return rolesPage(c, {
      kind: 'ok',
      text: added ? 'Role given.' : 'The identity already had that role.',
    });
  })

  .post('/roles/revoke', async (c) => {
    const user = signedIn(c);
    const { orm } = c.get('deps');
    const form = await readForm(c);
    const identityId = positiveInt(field(form, 'identityId'));
    const role = field(form, 'role') as Role;
    if (!identityId || !ROLES.includes(role)) {
      return rolesPage(c, { kind: 'error', text: 'Choose an identity and a role.' });
    }
    const removed = await revokeRole(orm.em.fork(), identityId, role);
    if (removed) {
      await recordAudit(orm, {
        actor: actorLabel(user),
        action: 'role.revoke',
        targetType: 'identity',
        targetId: String(identityId),
        detail: { role },
      });
    }
    return rolesPage(c, {
      kind: removed ? 'ok' : 'error',
      text: removed ? 'Role removed.' : 'The identity did not have that role in the table.',
    });
  });
