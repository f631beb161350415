import { describe, expect, it } from 'vitest';
import { previewCampaign } from '../../db/campaigns/preview.js';
import { useTestDatabase } from '../support/database.js';
import { previewedCampaign, seedCampaignOrg } from './support.js';

const db = useTestDatabase();

describe('campaign preview warnings', () => {
  it('sends ownerless removals to the campaign owner', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    await db.orm.em
      .fork()
      .getConnection()
      .execute('delete from application_owner where application_id = ?', [org.applicationId]);
    const campaignId = await previewedCampaign(db.orm, org);

    const preview = await previewCampaign(db.orm.em.fork(), campaignId);
    expect(preview.warnings).toHaveLength(1);
    expect(preview.warnings[0]).toBe(
      `App ${org.tag} (2 grants) has no active application owner, so the campaign owner ` +
        `(${org.emails.owner}) removes access there by hand. Import the application with its ` +
        'owners to hand these removals to them, or publish a policy with a connector.',
    );
    expect(preview.warnings[0]).not.toContain('fails');
  });

  it('names an application without grants in scope', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    const emptyKey = `empty-${org.tag}`;
    await db.orm.em
      .fork()
      .getConnection()
      .execute(`insert into application (key, name, risk_level) values (?, ?, 'low')`, [
        emptyKey,
        `Empty ${org.tag}`,
      ]);
    const campaignId = await previewedCampaign(db.orm, org, {
      scope: { applications: [org.applicationKey, emptyKey] },
    });

    const preview = await previewCampaign(db.orm.em.fork(), campaignId);
    expect(preview.warnings).toContain(
      `Empty ${org.tag} (${emptyKey}) has no grant in this campaign's scope, so it is not reviewed. ` +
        'Its grants may all be outside the risk levels, resource types, grant kind or principal ' +
        'type chosen, or it has none imported. Widen the scope, or create the campaign without it.',
    );
    expect(preview.warnings.join('\n')).not.toContain(`App ${org.tag} (`);
  });

  it('warns of failure without an active campaign owner', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    const connection = db.orm.em.fork().getConnection();
    await connection.execute('delete from application_owner where application_id = ?', [
      org.applicationId,
    ]);
    const campaignId = await previewedCampaign(db.orm, org);
    await connection.execute(`update identity set employment_status = 'terminated' where id = ?`, [
      org.owner,
    ]);

    const preview = await previewCampaign(db.orm.em.fork(), campaignId);
    expect(preview.warnings).toHaveLength(1);
    expect(preview.warnings[0]).toContain(
      `App ${org.tag} (2 grants) has no active application owner, and the campaign owner ` +
        `(${org.emails.owner}) is terminated, so a removal there fails.`,
    );
  });

  it('stays quiet when an owner can remove', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    const campaignId = await previewedCampaign(db.orm, org);

    const preview = await previewCampaign(db.orm.em.fork(), campaignId);
    expect(preview.warnings).toEqual([]);
  });
});
