import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { createCampaign } from '../db/campaigns/campaign-repository.js';
import { parseCampaignDefinition } from '../db/campaigns/campaign-schema.js';
import { takeSnapshot } from '../db/campaigns/snapshot.js';
import { seedDemoIfEmpty } from '../db/demo/seed.js';
import { PolicyRepository } from '../db/policy-repository.js';
import { grantRole } from '../db/role-repository.js';
import { launchCampaign } from './campaign-client.js';

/** Actor recorded for everything the first start sets up. */
const DEMO_ACTOR = 'system:demo';
/** The generated organisation's smallest application, so the demo launch takes seconds. */
const DEMO_APPLICATION = 'aws';
const DEMO_POLICY = 'demo-manager-review';

/**
 * Seeds the demo data on first start. With the generated organisation it also makes its
 * most senior person a super admin and launches a manager review of one application, so the
 * first sign-in already shows review tasks, campaign pages and repair actions.
 */
export async function seedDemo(
  orm: MikroORM,
  client: Client,
  taskQueue: string,
  log: Logger,
): Promise<void> {
  if ((await seedDemoIfEmpty(orm, log)) !== 'generated') return;

  const em = orm.em.fork();
  const [admin] = await em.getConnection().execute<{ id: number; email: string }[]>(
    `select id, email from identity
      where manager_id is null and employment_status = 'active' and email is not null
      order by id limit 1`,
  );
  if (!admin) {
    log.warn('the demo organisation has no active top-level person; no demo campaign');
    return;
  }
  await grantRole(em, admin.id, 'super_admin', DEMO_ACTOR);
  await new PolicyRepository(em).publish(
    {
      name: DEMO_POLICY,
      steps: [
        {
          name: 'Manager review',
          reviewer: { kind: 'manager' },
          fallbackReviewerEmails: [admin.email],
          due: '14d',
          commentRequired: { certify: false, remove: true },
          allowSelfReview: false,
        },
      ],
      revocation: { mode: 'manual' },
    },
    DEMO_ACTOR,
  );
  const campaign = await createCampaign(
    em,
    parseCampaignDefinition({
      name: 'Demo: AWS access review',
      instructions:
        'This campaign comes with the demo data. Certify what each person still needs for ' +
        'their job and remove the rest; a removal needs a comment.',
      policy: DEMO_POLICY,
      owner: admin.email,
      dueAt: new Date(Date.now() + 14 * 86_400_000),
      scope: { applications: [DEMO_APPLICATION] },
    }),
    DEMO_ACTOR,
  );
  const snapshot = await takeSnapshot(em, campaign.id);
  await launchCampaign(client, orm, campaign.id, { actor: DEMO_ACTOR, taskQueue });
  log.info(
    { campaignId: campaign.id, superAdmin: admin.email, grants: snapshot.grants },
    'launched the demo campaign',
  );
}
