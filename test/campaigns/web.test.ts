import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { grantRole } from '../../db/role-repository.js';
import { loadTemporalConfig } from '../../temporal.config.js';
import type { EvidenceManifest } from '../../db/campaigns/evidence.js';
import { publishPolicy, step } from '../support/fixtures.js';
import { useReviewHarness } from '../support/review-harness.js';
import { eventually } from '../support/temporal.js';
import { buildApp, signInAs } from '../web/support.js';
import { campaignStatus, seedCampaignOrg, spreadCampaignIds, type CampaignOrg } from './support.js';

const harness = useReviewHarness();
let app: ReturnType<typeof buildApp>;
let org: CampaignOrg;
let policyName: string;

beforeAll(async () => {
  await spreadCampaignIds(harness.db.orm);
  app = buildApp(harness.db.orm, harness.temporal.client, {
    temporalConfig: { ...loadTemporalConfig({}), taskQueue: harness.temporal.taskQueue },
  });
  org = await seedCampaignOrg(harness.db.orm, { people: 3, resources: 2 });
  policyName = (
    await publishPolicy(harness.db.orm, { steps: [step()], revocation: { mode: 'manual' } })
  ).name;
  await grantRole(harness.db.orm.em.fork(), org.admin, 'campaign_admin', 'test');
});

/** Reads the files of an uncompressed tar archive. */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= archive.length;) {
    const header = archive.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    files.set(name, archive.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

const due = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

describe('campaign pages', () => {
  it('are for campaign admins only', async () => {
    const reviewer = await signInAs(app, org.reviewer);
    const response = await reviewer.request('/campaigns');
    expect(response.status).toBe(403);
  });

  it('name the invalid fields of the create form', async () => {
    const admin = await signInAs(app, org.admin);
    const form = await admin.page('/campaigns/new');
    expect(form.html).toContain(policyName);
    const response = await admin.post('/campaigns', {
      name: '',
      policy: `${policyName}-unpublished`,
      owner: 'not-an-email',
      dueAt: due(),
    });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('name: give the campaign a name');
    expect(html).toContain('owner: expected an email address');
    // The stored-data check runs in the same pass as the form's own checks.
    expect(html).toContain(`no policy named &quot;${policyName}-unpublished&quot; is published`);
  });

  it(
    'create, preview, launch, watch, close and export a campaign',
    { timeout: 180_000 },
    async () => {
      const admin = await signInAs(app, org.admin);
      await admin.page('/campaigns/new');
      const created = await admin.post('/campaigns', {
        name: `Web ${org.tag}`,
        instructions: 'Remove what is **not** needed. <script>alert(1)</script>',
        defaultView: 'by_user',
        policy: policyName,
        owner: org.emails.owner,
        dueAt: due(),
        noResponseRule: 'certify',
        applications: org.applicationKey,
        grantKind: 'both',
        principalType: 'account',
        includeDisabledAccounts: 'true',
        includeOrphanedAccounts: 'true',
      });
      expect(created.status).toBe(303);
      const location = created.headers.get('location')!;
      const id = Number(/^\/campaigns\/(\d+)$/.exec(location)?.[1]);
      expect(id).toBeGreaterThan(0);

      const draft = await admin.page(location);
      expect(draft.html).toContain('Preview the load');
      expect(draft.html).toContain('<strong>not</strong>');
      expect(draft.html).not.toContain('<script>alert(1)</script>');

      const previewed = await admin.post(`/campaigns/${id}/preview`);
      expect(previewed.status).toBe(303);
      const preview = await admin.page(`/campaigns/${id}/preview`);
      expect(preview.html).toContain('6 grants');
      expect(preview.html).toContain(`reviewer ${org.tag}`);
      expect(preview.html).toContain('Launch 6 review tasks');

      const launched = await admin.post(`/campaigns/${id}/launch`);
      expect(launched.status).toBe(303);
      const progress = await eventually(
        async () => (await admin.page(`/campaigns/${id}/progress`, { htmx: true })).html,
        (html) => html.includes('Launched: 6 of 6 tasks started, 6 open now'),
        { what: 'the progress bar to reach 6 of 6' },
      );
      expect(progress).not.toContain('hx-trigger');
      expect(progress).toContain('<progress max="6" value="6"');

      const dashboard = await admin.page(`/campaigns/${id}`);
      expect(dashboard.html).toContain('<svg');
      expect(dashboard.html).toContain('Per reviewer (1 of 1)');
      // Reviewers who share a name differ by their email.
      expect(dashboard.html).toContain(`<span class="muted"> ${org.emails.reviewer}</span>`);
      expect(dashboard.html).toContain('Direct and inherited grants held by');
      expect(dashboard.html).toContain('Send reminders');
      expect(dashboard.html).toContain('<th scope="col">Not started</th>');

      const reminded = await admin.post(`/campaigns/${id}/remind`);
      expect(await reminded.text()).toContain('one reminder digest');

      const plan = await admin.page(`/campaigns/${id}/close?rule=remove`);
      expect(plan.html).toContain(
        'Certify 0 · remove 6 · leave the access as it is (task closed as expired) 0',
      );
      expect(plan.html).toContain('Closing would remove every grant of');
      const unconfirmed = await admin.post(`/campaigns/${id}/close`, { rule: 'certify' });
      expect(unconfirmed.status).toBe(409);
      expect(await unconfirmed.text()).toContain('Tick the confirmation');

      const closed = await admin.post(`/campaigns/${id}/close`, {
        rule: 'certify',
        confirm: 'yes',
        reason: 'done early',
      });
      expect(closed.status).toBe(200);
      expect(await closed.text()).toContain('The campaign is closing');
      await eventually(
        () => campaignStatus(harness.db.orm, id),
        (status) => status === 'closed',
        { what: 'the campaign to close' },
      );
      const closedDashboard = await admin.page(`/campaigns/${id}`);
      expect(closedDashboard.html).toContain('Launched: 6 of 6 tasks started, 0 open now');
      expect(closedDashboard.html).not.toContain('tasks open');

      const download = await admin.request(`/campaigns/${id}/evidence`);
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/x-tar');
      expect(download.headers.get('content-disposition')).toContain(`campaign-${id}-evidence.tar`);
      const files = untar(Buffer.from(await download.arrayBuffer()));
      const manifest = JSON.parse(
        files.get(`campaign-${id}-manifest.json`)!.toString('utf8'),
      ) as EvidenceManifest;
      expect(manifest.generatedBy).toBe(`identity:${org.admin}`);
      // The test's people were inserted directly, so no import stored identities.
      expect(manifest.identityImports).toEqual([]);
      for (const file of manifest.files) {
        expect(createHash('sha256').update(files.get(file.name)!).digest('hex')).toBe(file.sha256);
      }
    },
  );
});
