import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { recordAudit } from '../../runtime/task-client.js';
import { clientAddress } from '../auth/client-address.js';
import { formCsrfToken } from '../auth/csrf.js';
import { safeNextPath } from '../auth/require.js';
import {
  clearSessionCookie,
  cookieOptions,
  createSession,
  revokeSession,
  setSessionCookie,
} from '../auth/session.js';
import {
  LINK_LIFETIME_MINUTES,
  NONCE_COOKIE,
  redeemSignInLink,
  sendSignInLink,
  type LinkProblem,
} from '../auth/sign-in-link.js';
import { newToken } from '../auth/tokens.js';
import type { AppEnv } from '../deps.js';
import { field, positiveInt, readForm } from '../forms.js';
import { page } from '../render.js';
import {
  DEV_LIST_SHOWN,
  LinkRejectedPage,
  LoginPage,
  type DevIdentity,
} from '../views/login-page.js';
import { containsPattern, openReviewCountSql } from '../../db/search-sql.js';

const LINK_PROBLEMS: Record<LinkProblem, string> = {
  unknown: 'This sign-in link is not valid. Check that you copied all of it.',
  used: 'This sign-in link was already used; each link works once.',
  expired: `This sign-in link expired; links work for ${LINK_LIFETIME_MINUTES} minutes.`,
  other_browser:
    'This sign-in link works only in the browser where you asked for it. Open it there, or ask for a new link here.',
};

/**
 * Lists identities to sign in as: administrators first, then people with the most open
 * reviews, so a first-time user finds a reviewer without knowing names. One identity more
 * than the page shows is read, so the page can note that the list is cut.
 */
async function devIdentities(c: Context<AppEnv>, query: string): Promise<DevIdentity[]> {
  const { orm, config } = c.get('deps');
  const pattern = containsPattern(query);
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<
      {
        id: number;
        display_name: string;
        email: string | null;
        department: string | null;
        roles: string[];
        open_reviews: number;
      }[]
    >(
      `select i.id, i.display_name, i.email, i.department,
            array(select r.role from role_assignment r where r.identity_id = i.id order by r.role) as roles,
            ${openReviewCountSql('i.id')} as open_reviews
       from identity i
      where i.employment_status <> 'terminated'
        and (? = '' or i.display_name ilike ? or i.email ilike ?)
      order by (lower(i.email) in (select jsonb_array_elements_text(?::jsonb))
                or exists (select 1 from role_assignment r where r.identity_id = i.id)) desc,
               open_reviews desc, i.display_name, i.id
      limit ${DEV_LIST_SHOWN + 1}`,
      [
        query,
        pattern,
        pattern,
        JSON.stringify([...config.superAdminEmails, ...config.campaignAdminEmails]),
      ],
    );
  return rows.map((row) => {
    const roles = new Set(row.roles);
    const email = row.email?.toLowerCase() ?? '';
    if (config.superAdminEmails.includes(email)) roles.add('super_admin');
    if (config.campaignAdminEmails.includes(email)) roles.add('campaign_admin');
    return {
      id: row.id,
      displayName: row.display_name,
      email: row.email,
      department: row.department,
      roles: [...roles].sort(),
      openReviews: row.open_reviews,
    };
  });
}

async function renderLogin(
  c: Context<AppEnv>,
  options: {
    next: string;
    email?: string;
    message?: { kind: 'info' | 'error' | 'ok'; text: string };
    status?: 200 | 400 | 429;
  },
) {
  const query = (c.req.query('q') ?? '').trim().slice(0, 200);
  const dev = c.get('deps').devMode
    ? { query, identities: await devIdentities(c, query) }
    : undefined;
  return page(
    c,
    'Sign in',
    <LoginPage
      csrfToken={formCsrfToken(c)}
      next={options.next}
      email={options.email}
      message={options.message}
      dev={dev}
    />,
    options.status ?? 200,
  );
}

/** Starts a session for `identityId`, ending any session this browser already had. */
async function signIn(c: Context<AppEnv>, identityId: number, method: 'magic_link' | 'dev') {
  const { orm } = c.get('deps');
  const previous = c.get('user');
  if (previous) await revokeSession(orm.em.fork(), previous.sessionId, 'self');
  const { token, sessionId } = await createSession(orm.em.fork(), {
    identityId,
    method,
    ipAddress: clientAddress(c),
    userAgent: c.req.header('user-agent'),
  });
  await setSessionCookie(c, token);
  await recordAudit(orm, {
    actor: `identity:${identityId}`,
    action: 'auth.sign_in',
    targetType: 'web_session',
    targetId: String(sessionId),
    detail: { method, ip: clientAddress(c) },
  });
}

/** Sign-in by emailed link, development sign-in, and sign-out. */
export const loginRoutes = new Hono<AppEnv>()
  .get('/login', async (c) => {
    const next = safeNextPath(c.req.query('next'));
    if (c.get('user')) return c.redirect(next, 302);
    return renderLogin(c, { next });
  })

  .post('/login/email', async (c) => {
    const { orm, notifier, config, signInLimits, log } = c.get('deps');
    const form = await readForm(c);
    const next = safeNextPath(field(form, 'next'));
    const email = field(form, 'email').trim().slice(0, 320);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      return renderLogin(c, {
        next,
        email,
        status: 400,
        message: { kind: 'error', text: 'Enter your work email address, such as ana@example.com.' },
      });
    }
    const ip = clientAddress(c);
    if (!signInLimits.perIp.take(ip) || !signInLimits.perEmail.take(email.toLowerCase())) {
      log.warn({ ip }, 'sign-in link request rate-limited');
      return renderLogin(c, {
        next,
        email,
        status: 429,
        message: {
          kind: 'error',
          text: 'Too many sign-in attempts. Wait 15 minutes, then ask for a new link.',
        },
      });
    }

    let nonce = getCookie(c, NONCE_COOKIE);
    if (!nonce || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) nonce = newToken();
    setCookie(c, NONCE_COOKIE, nonce, cookieOptions(c.get('deps'), LINK_LIFETIME_MINUTES * 60));
    const identityId = await sendSignInLink(orm.em.fork(), notifier, {
      email,
      nonce,
      publicUrl: config.publicUrl,
      ipAddress: ip,
    });
    await recordAudit(orm, {
      actor: 'anonymous',
      action: 'auth.sign_in_link_requested',
      targetType: 'identity',
      targetId: identityId === undefined ? undefined : String(identityId),
      outcome: identityId === undefined ? 'rejected' : 'ok',
      reason: identityId === undefined ? 'no active identity has this email' : undefined,
      detail: { ip },
    });
    return renderLogin(c, {
      next,
      email,
      message: {
        kind: 'ok',
        text: `If ${email} belongs to an active identity, a sign-in link is on its way. It works once, for ${LINK_LIFETIME_MINUTES} minutes, in this browser.`,
      },
    });
  })

  .get('/login/verify', async (c) => {
    const { orm, signInLimits, log } = c.get('deps');
    const ip = clientAddress(c);
    if (!signInLimits.perIp.take(ip)) {
      log.warn({ ip }, 'sign-in link use rate-limited');
      return page(
        c,
        'Sign-in link not accepted',
        <LinkRejectedPage text="Too many sign-in attempts. Wait 15 minutes, then try again." />,
        429,
      );
    }
    const token = c.req.query('token') ?? '';
    const outcome = await redeemSignInLink(orm.em.fork(), token, getCookie(c, NONCE_COOKIE));
    if (!outcome.ok) {
      await recordAudit(orm, {
        actor: 'anonymous',
        action: 'auth.sign_in',
        outcome: 'rejected',
        reason: outcome.problem,
        detail: { method: 'magic_link', ip },
      });
      return page(
        c,
        'Sign-in link not accepted',
        <LinkRejectedPage text={LINK_PROBLEMS[outcome.problem]} />,
        400,
      );
    }
    deleteCookie(c, NONCE_COOKIE, { path: '/' });
    await signIn(c, outcome.identityId, 'magic_link');
    return c.redirect('/reviews', 303);
  })

  .post('/login/dev', async (c) => {
    const { orm, devMode } = c.get('deps');
    if (!devMode) return c.notFound();
    const form = await readForm(c);
    const identityId = positiveInt(field(form, 'identityId'));
    const [identity] = identityId
      ? await orm.em
          .fork()
          .getConnection()
          .execute<{ id: number }[]>(
            `select id from identity where id = ? and employment_status <> 'terminated'`,
            [identityId],
          )
      : [];
    if (!identity) {
      return renderLogin(c, {
        next: safeNextPath(field(form, 'next')),
        status: 400,
        message: { kind: 'error', text: 'Pick an active identity from the list.' },
      });
    }
    await signIn(c, identity.id, 'dev');
    return c.redirect(safeNextPath(field(form, 'next')), 303);
  })

  .post('/logout', async (c) => {
    const { orm } = c.get('deps');
    const user = c.get('user');
    if (user) {
      await revokeSession(orm.em.fork(), user.sessionId, 'self');
      await recordAudit(orm, {
        actor: `identity:${user.identityId}`,
        action: 'auth.sign_out',
        targetType: 'web_session',
        targetId: String(user.sessionId),
      });
    }
    clearSessionCookie(c);
    return c.redirect('/login', 303);
  });
