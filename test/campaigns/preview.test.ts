import { describe, expect, it } from 'vitest';
import { previewCampaign } from '../../db/campaigns/preview.js';
import { useTestDatabase } from '../support/database.js';
import { previewedCampaign, seedCampaignOrg } from './support.js';

const db = useTestDatabase();

describe('campaign preview warnings', () => {
  it('warns when manual removals have no owner', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    await db.orm.em
      .fork()
      .getConnection()
      .execute('delete from application_owner where application_id = ?', [org.applicationId]);
    const campaignId = await previewedCampaign(db.orm, org);

    const preview = await previewCampaign(db.orm.em.fork(), campaignId);
    expect(preview.warnings).toHaveLength(1);
    expect(preview.warnings[0]).toContain(`App ${org.tag} (2 grants) has no application owner`);
  });

  it('stays quiet when an owner can remove', async () => {
    const org = await seedCampaignOrg(db.orm, { people: 2, resources: 1 });
    const campaignId = await previewedCampaign(db.orm, org);

    const preview = await previewCampaign(db.orm.em.fork(), campaignId);
    expect(preview.warnings).toEqual([]);
  });
});
