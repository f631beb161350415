import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { projectTask } from '../../activities/projection.js';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { campaignAdminIds, grantRole, superAdminIds } from '../../db/role-repository.js';
import { NONCE_COOKIE } from '../../web/auth/sign-in-link.js';
import { SESSION_COOKIE } from '../../web/auth/session.js';
import { seedOrganisation } from '../support/fixtures.js';
import { useTestDatabase } from '../support/database.js';
import { buildApp, signInAs, TestBrowser } from './support.js';
import { Client, Connection } from '@temporalio/client';

const db = useTestDatabase();
// Sign-in touches no workflow; a lazy connection never dials the server.
const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });

function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

function appWith(overrides: Parameters<typeof buildApp>[2] = {}) {
  return buildApp(db.orm, temporal, overrides);
}

async function lastOutboxBody(email: string): Promise<string | undefined> {
  const rows = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ body: string }[]>(
      'select body from outbox_message where recipient = ? order by id desc limit 1',
      [email],
    );
  return rows[0]?.body;
}

async function requestLink(browser: TestBrowser, email: string) {
  const login = await browser.page('/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(login.html)![1]!;
  return browser.post('/login/email', { email, _csrf: csrf });
}

function linkPath(body: string): string {
  const url = /(https?:\/\/\S+\/login\/verify\?token=\S+)/.exec(body)?.[1];
  if (!url) throw new Error(`no sign-in link in: ${body}`);
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

async function audit(action: string) {
  return db.orm.em
    .fork()
    .getConnection()
    .execute<{ actor: string; outcome: string; reason: string | null; target_id: string | null }[]>(
      'select actor, outcome, reason, target_id from audit_event where action = ? order by id',
      [action],
    );
}

describe('sign-in by emailed link', () => {
  it('signs in once, in the browser that asked', async () => {
    const org = await seedOrganisation(db.orm);
    const { log, lines } = capturedLogger();
    const app = appWith({
      log,
      notifier: new Notifier(
        db.orm,
        loadNotificationConfig({ RECERT_PUBLIC_URL: 'http://localhost' }),
        log,
      ),
    });
    const browser = new TestBrowser(app);
    const asked = await requestLink(browser, org.emails.manager.toUpperCase());
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('a sign-in link is on its way');
    expect(browser.cookies.has(NONCE_COOKIE)).toBe(true);

    const body = await lastOutboxBody(org.emails.manager);
    const path = linkPath(body!);

    // Another browser (a mail scanner, say) cannot use it, and does not use it up.
    const elsewhere = await new TestBrowser(app).request(path);
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.text()).toContain('only in the browser where you asked');

    const opened = await browser.request(path);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/reviews');
    const cookie = opened.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);

    const reviews = await browser.page('/reviews');
    expect(reviews.response.status).toBe(200);
    expect(reviews.html).toContain(`manager`);

    const again = await browser.request(path);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already used');

    const token = new URL(`http://x${path}`).searchParams.get('token')!;
    const logged = lines.join('\n');
    expect(logged).toContain('notification sent');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(browser.cookies.get(SESSION_COOKIE)!.split('.')[0]!);

    const signIns = await audit('auth.sign_in');
    expect(
      signIns.some((row) => row.actor === `identity:${org.ids.manager}` && row.outcome === 'ok'),
    ).toBe(true);
    expect(signIns.some((row) => row.reason === 'other_browser')).toBe(true);
    expect(signIns.some((row) => row.reason === 'used')).toBe(true);
  });

  it('rejects an expired link', async () => {
    const org = await seedOrganisation(db.orm);
    const browser = new TestBrowser(appWith());
    await requestLink(browser, org.emails.outsider);
    const path = linkPath((await lastOutboxBody(org.emails.outsider))!);
    await db.orm.em
      .fork()
      .getConnection()
      .execute(
        `update login_token set expires_at = now() - interval '1 minute' where identity_id = ?`,
        [org.ids.outsider],
      );
    const response = await browser.request(path);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('expired');
  });

  it('answers the same for an unknown email and sends nothing', async () => {
    const browser = new TestBrowser(appWith());
    const response = await requestLink(browser, 'nobody-here@example.test');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('a sign-in link is on its way');
    expect(await lastOutboxBody('nobody-here@example.test')).toBeUndefined();
  });

  it('limits link requests per email', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      statuses.push((await requestLink(new TestBrowser(app), org.emails.fallback)).status);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[5]).toBe(429);
  });

  it('sets Secure cookies when the public URL is https', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith({ env: { RECERT_PUBLIC_URL: 'https://recert.example.test' } });
    const browser = new TestBrowser(app);
    const login = await browser.request('/login');
    expect(login.headers.getSetCookie().join('\n')).toMatch(/Secure/);
    // The Origin check accepts the public origin as well as the request's own.
    const csrf = browser.cookies.get('recert_login_csrf')!;
    const response = await browser.post(
      '/login/dev',
      { identityId: org.ids.manager, _csrf: csrf },
      { origin: 'https://recert.example.test' },
    );
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie().find((c) => c.startsWith(SESSION_COOKIE))).toMatch(
      /Secure/,
    );
  });
});

describe('development sign-in', () => {
  it('lists identities to pick when on', async () => {
    const org = await seedOrganisation(db.orm);
    const page = await new TestBrowser(appWith()).page(
      `/login?q=${encodeURIComponent(org.emails.manager)}`,
    );
    expect(page.html).toContain('Development sign-in');
    expect(page.html).toContain(`value="${org.ids.manager}"`);
  });

  it('lists reviewers first, noting the cut', async () => {
    const org = await seedOrganisation(db.orm);
    const connection = db.orm.em.fork().getConnection();
    await connection.execute(
      `insert into identity (external_key, email, display_name)
       select 'filler-' || n || '-' || ?, 'filler-' || n || '-' || ? || '@example.test', 'Aaron Filler ' || n
         from generate_series(1, 60) n`,
      [org.ids.manager, org.ids.manager],
    );
    const row = {
      campaignId: null,
      grantId: null,
      applicationId: null,
      resourceId: null,
      accountId: null,
      subjectIdentityId: null,
      status: 'open' as const,
      revocationStatus: null,
      assigneeId: org.ids.manager,
      assigneeIds: [org.ids.manager],
      stepIndex: 0,
      stepName: 'Manager review',
      policyName: 'p',
      policyVersion: 1,
      stateVersion: 1,
      riskLevel: 'low',
      recommendation: null,
      summary: 'Review',
      stepDueAt: null,
      closedAt: null,
    };
    for (const taskId of [`dev-list-1-${org.ids.manager}`, `dev-list-2-${org.ids.manager}`])
      await projectTask(db.orm, { row: { ...row, taskId }, entries: [] });

    const page = await new TestBrowser(appWith()).page('/login');
    expect(page.html).toContain('Showing the first 50');
    const buttons = [...page.html.matchAll(/name="identityId" value="(\d+)"/g)].map((m) => m[1]);
    expect(buttons).toHaveLength(50);
    // Sorted by name alone, the 60 "Aaron Filler" identities would fill the list before the manager.
    expect(buttons).toContain(String(org.ids.manager));
    expect(page.html).toContain('2 open reviews');
  });

  it('is absent when off', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith({ devMode: false });
    const browser = new TestBrowser(app);
    const page = await browser.page('/login');
    expect(page.html).not.toContain('Development sign-in');
    const response = await browser.post('/login/dev', {
      identityId: org.ids.manager,
      _csrf: browser.cookies.get('recert_login_csrf')!,
    });
    expect(response.status).toBe(404);
  });
});

describe('sessions', () => {
  it('sends signed-out requests to the sign-in page', async () => {
    const browser = new TestBrowser(appWith());
    const page = await browser.request('/reviews?status=done');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login?next=%2Freviews%3Fstatus%3Ddone');
    const fragment = await browser.request('/reviews', { htmx: true });
    expect(fragment.status).toBe(401);
    expect(fragment.headers.get('hx-redirect')).toContain('/login');
  });

  it('ignores a cookie with a bad signature', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith();
    const browser = await signInAs(app, org.ids.manager);
    const [token] = browser.cookies.get(SESSION_COOKIE)!.split('.');
    browser.cookies.set(SESSION_COOKIE, `${token}.${'A'.repeat(43)}%3D`);
    expect((await browser.request('/reviews')).status).toBe(302);
  });

  it('ends after the idle time', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith({ env: { RECERT_SESSION_IDLE_MINUTES: '30' } });
    const browser = await signInAs(app, org.ids.manager);
    expect((await browser.request('/reviews')).status).toBe(200);
    await db.orm.em
      .fork()
      .getConnection()
      .execute(
        `update web_session set last_seen_at = now() - interval '31 minutes' where identity_id = ?`,
        [org.ids.manager],
      );
    expect((await browser.request('/reviews')).status).toBe(302);
  });

  it('ends at sign-out', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith();
    const browser = await signInAs(app, org.ids.manager);
    const cookie = browser.cookies.get(SESSION_COOKIE)!;
    const response = await browser.post('/logout');
    expect(response.status).toBe(303);
    browser.cookies.set(SESSION_COOKIE, cookie);
    expect((await browser.request('/reviews')).status).toBe(302);
    expect(
      (await audit('auth.sign_out')).some((row) => row.actor === `identity:${org.ids.manager}`),
    ).toBe(true);
  });

  it('ends for a terminated identity', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith();
    const browser = await signInAs(app, org.ids.outsider);
    await db.orm.em
      .fork()
      .getConnection()
      .execute(`update identity set employment_status = 'terminated' where id = ?`, [
        org.ids.outsider,
      ]);
    expect((await browser.request('/reviews')).status).toBe(302);
  });
});

describe('CSRF protection', () => {
  it('rejects a post without the token', async () => {
    const org = await seedOrganisation(db.orm);
    const browser = await signInAs(appWith(), org.ids.manager);
    const response = await browser.post('/logout', {}, { csrf: null });
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('security token');
    expect((await browser.request('/reviews')).status).toBe(200);
  });

  it('rejects a post with another session’s token', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith();
    const mine = await signInAs(app, org.ids.manager);
    const theirs = await signInAs(app, org.ids.outsider);
    const response = await mine.post('/logout', {}, { csrf: theirs.csrf });
    expect(response.status).toBe(403);
  });

  it('rejects a post from another origin', async () => {
    const org = await seedOrganisation(db.orm);
    const browser = await signInAs(appWith(), org.ids.manager);
    const response = await browser.post('/logout', {}, { origin: 'https://evil.example' });
    expect(response.status).toBe(403);
    const noOrigin = await browser.post('/logout', {}, { origin: null });
    expect(noOrigin.status).toBe(403);
  });

  it('rejects a sign-in form without the login cookie', async () => {
    const org = await seedOrganisation(db.orm);
    const browser = new TestBrowser(appWith());
    const response = await browser.post('/login/dev', {
      identityId: org.ids.manager,
      _csrf: 'x'.repeat(43),
    });
    expect(response.status).toBe(403);
  });
});

describe('roles', () => {
  it('combines configuration and the role table', async () => {
    const org = await seedOrganisation(db.orm);
    const em = db.orm.em.fork();
    await grantRole(em, org.ids.approver, 'super_admin', 'test');
    await grantRole(em, org.ids.fallback, 'campaign_admin', 'test');
    const config = {
      superAdminEmails: [org.emails.superAdmin],
      campaignAdminEmails: [org.emails.campaignAdmin],
    };
    const supers = await superAdminIds(em, config);
    expect(supers).toContain(org.ids.superAdmin);
    expect(supers).toContain(org.ids.approver);
    expect(supers).not.toContain(org.ids.fallback);
    const admins = await campaignAdminIds(em, config);
    expect(admins).toContain(org.ids.campaignAdmin);
    expect(admins).toContain(org.ids.fallback);
    expect(admins).not.toContain(org.ids.superAdmin);
  });

  it('reads super admins from RECERT_SUPER_ADMINS', async () => {
    const org = await seedOrganisation(db.orm);
    const app = appWith({
      env: { RECERT_SUPER_ADMINS: ` ${org.emails.superAdmin.toUpperCase()} , other@example.test` },
    });
    const admin = await signInAs(app, org.ids.superAdmin);
    const page = await admin.page('/reviews');
    expect(page.html).toContain('href="/admin/audit"');
    expect((await admin.request('/admin/audit')).status).toBe(200);
    const reviewer = await signInAs(app, org.ids.manager);
    expect((await reviewer.page('/reviews')).html).not.toContain('href="/admin/audit"');
    expect((await reviewer.request('/admin/audit')).status).toBe(403);
  });
});
