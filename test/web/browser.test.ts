import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../runtime/ports.js';
import { certifyUpdate, getTaskQuery } from '../../workflows/messages.js';
import { eventually } from '../support/temporal.js';
import {
  launchSmall,
  previewedCampaign,
  seedCampaignOrg,
  spreadCampaignIds,
  waitUntilLaunched,
} from '../campaigns/support.js';
import { buildApp, useWebHarness } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const screenshots = join(process.cwd(), 'test-output', 'screenshots');
const axeSource = await readFile(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

describe.skipIf(!hasChromium)(
  hasChromium
    ? 'reviewer pages in Chromium'
    : `reviewer pages in Chromium (skipped: ${CHROMIUM} is missing; install it with apt-get install chromium)`,
  () => {
    const web = useWebHarness();
    let server: ServerType;
    let base = '';
    let context: BrowserContext;
    let userDataDir = '';
    const cspViolations: string[] = [];

    beforeAll(async () => {
      const port = await findFreePort();
      base = `http://127.0.0.1:${port}`;
      const app = buildApp(web.db.orm, web.temporal.client, { env: { RECERT_PUBLIC_URL: base } });
      server = await new Promise<ServerType>((resolve) => {
        const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () =>
          resolve(started),
        );
      });
      await mkdir(screenshots, { recursive: true });
      userDataDir = await mkdtemp(join(tmpdir(), 'recert-chromium-'));
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1280, height: 900 },
      });
      context.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
      });
    });

    afterAll(async () => {
      await context?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    });

    /** Runs axe-core on the page and returns its serious and critical violations. */
    async function seriousViolations(page: Page) {
      // page.evaluate runs through the DevTools protocol, which the page's CSP does not restrict.
      await page.evaluate(axeSource);
      // A string, because this file is type-checked without the DOM library.
      const results = await page.evaluate<{
        violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
      }>('axe.run(document)');
      return results.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
        );
    }

    /** Checks accessibility and saves a screenshot, at desktop width and at 375 px. */
    async function checkPage(page: Page, name: string) {
      expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
      await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
      const size = page.viewportSize();
      await page.setViewportSize({ width: 375, height: 800 });
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
      // Lists the elements that stick out, so a failure message shows what to fix.
      const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 376 && !e.closest('.table-scroll'))
        .slice(0, 5)
        .map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className)`);
      expect(overflow, `${name} fits 375 px; too wide: ${wide.join(', ')}`).toBeLessThanOrEqual(
        375,
      );
      await page.screenshot({ path: join(screenshots, `${name}-375.png`), fullPage: true });
      if (size) await page.setViewportSize(size);
    }

    async function signInByEmail(page: Page, email: string) {
      await page.goto(`${base}/login`);
      await page.getByLabel('Work email').fill(email);
      await page.getByRole('button', { name: 'Send link' }).click();
      await page.getByText('a sign-in link is on its way').waitFor();
      const [message] = await web.db.orm.em
        .fork()
        .getConnection()
        .execute<{ body: string }[]>(
          `select body from outbox_message where recipient = ? and subject like '%sign-in%' order by id desc limit 1`,
          [email],
        );
      const link = /(http:\/\/\S+\/login\/verify\?token=\S+)/.exec(message!.body)![1]!;
      await page.goto(link);
      await page.waitForURL(`${base}/reviews`);
    }

    it('signs in, switches views, decides alone and in bulk', async () => {
      const org = await web.seed();
      const policy = await web.policy();
      const single = await web.startTask(org, policy);
      const bulk = [
        await web.startTask(org, policy),
        await web.startTask(org, policy),
        await web.startTask(org, policy),
      ];
      const shared = await web.startTask(
        org,
        await web.policy({
          reviewer: { kind: 'identities', emails: [org.emails.manager, org.emails.fallback] },
        }),
      );

      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await checkPage(page, 'login');
      await signInByEmail(page, org.emails.manager);
      await expect(
        page.getByRole('heading', { level: 1, name: 'My reviews' }).isVisible(),
      ).resolves.toBe(true);
      await checkPage(page, 'reviews-by-application');

      await page.getByRole('link', { name: 'By user' }).click();
      await page.waitForURL(/view=by_user/);
      await expect(page.getByText('(1 of 1 people)').isVisible()).resolves.toBe(true);
      await checkPage(page, 'reviews-by-user');
      await page.getByRole('link', { name: 'All in one list' }).click();
      await page.waitForURL(/view=unstructured/);
      await checkPage(page, 'reviews-unstructured');

      // Certify one task: the row changes in place and focus lands on the outcome.
      const row = page.locator('li.task', {
        has: page.locator(`a[href="/tasks/${single.taskId}"]`),
      });
      await row.getByRole('button', { name: /^Certify/ }).click();
      await row.getByText('Certified.').waitFor();
      expect(
        await page.evaluate<string>(
          "document.activeElement?.closest('li.task')?.textContent ?? ''",
        ),
      ).toContain('Certified.');
      // The counts refresh in their own request after the decision, so wait for them.
      await page
        .locator('#review-counts')
        .getByText(/4 open · 1 done/)
        .waitFor();
      expect((await single.handle.query(getTaskQuery)).status).toBe('certified');

      // Conflict: another assignee decides first; the row shows the workflow's reason.
      await shared.handle.executeUpdate(certifyUpdate, { args: [{ actorId: org.ids.fallback }] });
      const sharedRow = page.locator('li.task', {
        has: page.locator(`a[href="/tasks/${shared.taskId}"]`),
      });
      await sharedRow.getByRole('button', { name: /^Remove/ }).click();
      await sharedRow.getByText('The task is already closed (certified)').waitFor();
      await page.screenshot({ path: join(screenshots, 'reviews-conflict.png'), fullPage: true });

      // Bulk-remove three with one comment.
      for (const task of bulk) {
        await page.locator(`input[type=checkbox][value="${task.taskId}"]`).check();
      }
      await page.getByLabel('Remove', { exact: true }).check();
      await page.getByLabel('Comment, posted on each task').fill('Contractors left in November');
      await page.getByRole('button', { name: 'Apply to selected tasks' }).click();
      await page.getByText('Remove: 3 of 3 done').waitFor({ timeout: 30_000 });
      await expect(page.getByText('All 3 tasks were decided.').isVisible()).resolves.toBe(true);
      await checkPage(page, 'reviews-bulk-done');
      for (const task of bulk) {
        const state = await task.handle.query(getTaskQuery);
        expect(state.status).toBe('removed');
        expect(state.log.find((entry) => entry.type === 'removed')?.comment).toBe(
          'Contractors left in November',
        );
      }
      // The list reloads after the job: the removed tasks leave the open list.
      await eventually(
        () => page.locator('li.task').count(),
        (count) => count === 0,
        { what: 'the list to reload' },
      );

      await page.goto(`${base}/reviews?status=done&view=unstructured`);
      await checkPage(page, 'reviews-done');
      await page.close();
    });

    it('shows the task page, its actions and the admin pages', async () => {
      const org = await web.seed();
      await web.giveRole(org.ids.superAdmin, 'super_admin');
      const task = await web.startTask(org, await web.policy());
      await context.clearCookies();
      const page = await context.newPage();
      // Development sign-in as the manager, then as the super admin.
      await page.goto(`${base}/login?q=${encodeURIComponent(org.emails.manager)}`);
      await page.getByRole('button', { name: /^Sign in as manager/ }).click();
      await page.goto(`${base}/tasks/${task.taskId}`);
      await checkPage(page, 'task');

      await page.getByLabel('Add a comment to the task log').fill('Checking with the team');
      await page.getByRole('button', { name: 'Add comment' }).click();
      await page.getByText('Comment added to the task log.').waitFor();
      await page.getByLabel('Find the new reviewer by name or email').fill(org.emails.fallback);
      // Typing searches after a pause. Pressing Search searches at once, so the test does not
      // depend on htmx wiring the swapped panel before the keystrokes arrive.
      await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
      await page.getByRole('radio').first().waitFor();
      await checkPage(page, 'task-reassign-search');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/login/);
      await page.goto(`${base}/login?q=${encodeURIComponent(org.emails.superAdmin)}`);
      await page.getByRole('button', { name: /^Sign in as superAdmin/ }).click();
      await page.goto(`${base}/tasks/${task.taskId}`);
      await checkPage(page, 'task-admin');
      await page.locator('#cancel-reason').fill('Out of scope for this campaign');
      await page.getByRole('button', { name: /Cancel the task/ }).click();
      await page.getByText('Cancel this task?').waitFor();
      await checkPage(page, 'task-admin-confirm');
      await page.getByRole('button', { name: 'Yes, cancel the task' }).click();
      await page.getByText('Task canceled').waitFor();

      for (const [path, name] of [
        ['/admin/audit', 'admin-audit'],
        ['/admin/sessions', 'admin-sessions'],
        ['/admin/roles', 'admin-roles'],
        ['/dev/outbox', 'dev-outbox'],
      ] as const) {
        await page.goto(`${base}${path}`);
        await checkPage(page, name);
      }
      await page.close();
      expect(cspViolations).toEqual([]);
    });

    it('shows the campaign pages', async () => {
      await spreadCampaignIds(web.db.orm);
      const org = await seedCampaignOrg(web.db.orm, { people: 2, resources: 2 });
      await web.giveRole(org.admin, 'campaign_admin');
      const campaignId = await previewedCampaign(web.db.orm, org);
      await context.clearCookies();
      const page = await context.newPage();
      await page.goto(`${base}/login?q=${encodeURIComponent(org.emails.admin)}`);
      await page.getByRole('button', { name: /^Sign in as admin/ }).click();
      await page.waitForURL(/\/reviews/);

      for (const [path, name] of [
        ['/campaigns', 'campaigns'],
        ['/campaigns/new', 'campaign-new'],
        [`/campaigns/${campaignId}/preview`, 'campaign-preview'],
      ] as const) {
        await page.goto(`${base}${path}`);
        await checkPage(page, name);
      }

      await launchSmall(web.temporal.client, web.db.orm, campaignId, web.temporal.taskQueue);
      await waitUntilLaunched(web.db.orm, campaignId, org.grants);
      await page.goto(`${base}/campaigns/${campaignId}`);
      await page.getByText(`${org.grants} of ${org.grants}`).first().waitFor();
      await checkPage(page, 'campaign-dashboard');
      await page.goto(`${base}/campaigns/${campaignId}/close`);
      await checkPage(page, 'campaign-close');
      await page.close();
      expect(cspViolations).toEqual([]);
    });
  },
);
