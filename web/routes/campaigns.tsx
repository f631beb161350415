import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  CampaignStateError,
  findCampaign,
  listCampaigns,
  validateAndCreateCampaign,
} from '../../db/campaigns/campaign-repository.js';
import {
  CampaignDefinitionError,
  defaultScope,
  NO_RESPONSE_RULES,
  type NoResponseRule,
} from '../../db/campaigns/campaign-schema.js';
import { planClose, plannedCloses } from '../../db/campaigns/close-plan.js';
import { previewCampaign } from '../../db/campaigns/preview.js';
import {
  campaignCounts,
  campaignProgress,
  failedRevocations,
  removalsInProgress,
  overdueTasks,
} from '../../db/campaigns/progress.js';
import { takeSnapshot } from '../../db/campaigns/snapshot.js';
import { PolicyRepository } from '../../db/policy-repository.js';
import {
  auditCampaignCreated,
  auditSnapshot,
  CampaignRequestError,
  closeCampaign,
  exportEvidence,
  launchCampaign,
  readCampaignRun,
  remindReviewers,
} from '../../runtime/campaign-client.js';
import { tarArchive } from '../campaigns/tar-archive.js';
import { requireRole, requireUser, signedIn } from '../auth/require.js';
import { actorLabel } from '../auth/session.js';
import type { AppEnv } from '../deps.js';
import { field, fields, readForm } from '../forms.js';
import { page } from '../render.js';
import { CampaignForm, type CampaignFormValues } from '../views/campaign-form.js';
import {
  CampaignDashboard,
  CampaignListPage,
  ClosePage,
  LaunchProgress,
  PreviewPage,
  type PageMessage,
} from '../views/campaign-pages.js';

/** Tasks listed on the close page; the CLI's `--dry-run --list` lists all of them. */
const CLOSE_SAMPLE = 100;

/** Reads the campaign id from the path: a positive PostgreSQL `int`. */
function campaignIdOf(c: Context<AppEnv>): number {
  const text = c.req.param('id') ?? '';
  const id = /^\d{1,10}$/.test(text) ? Number(text) : 0;
  if (id < 1 || id > 2_147_483_647)
    throw new HTTPException(404, { message: 'Campaign not found.' });
  return id;
}

async function campaignOr404(c: Context<AppEnv>) {
  const campaign = await findCampaign(c.get('deps').orm.em.fork(), campaignIdOf(c));
  if (!campaign) throw new HTTPException(404, { message: 'Campaign not found.' });
  return campaign;
}

function emptyForm(ownerEmail: string): CampaignFormValues {
  return {
    name: '',
    instructions: '',
    defaultView: 'by_application',
    policy: '',
    policyVersion: '',
    owner: ownerEmail,
    admins: '',
    startsAt: '',
    dueAt: '',
    noResponseRule: 'leave_open',
    ...defaultScope(),
  };
}

async function formPage(c: Context<AppEnv>, values: CampaignFormValues, problems: string[]) {
  const em = c.get('deps').orm.em.fork();
  const db = em.getConnection();
  return page(
    c,
    'New campaign',
    <CampaignForm
      values={values}
      problems={problems}
      csrfToken={signedIn(c).csrfToken}
      policies={await new PolicyRepository(em).listLatest()}
      applications={await db.execute<{ key: string; name: string }[]>(
        'select key, name from application order by name',
      )}
      resourceTypes={(
        await db.execute<{ resource_type: string }[]>(
          'select distinct resource_type from resource where removed_at is null order by 1',
        )
      ).map((row) => row.resource_type)}
    />,
    problems.length ? 422 : 200,
  );
}

async function dashboard(c: Context<AppEnv>, message?: PageMessage, status: 200 | 409 = 200) {
  const deps = c.get('deps');
  const campaign = await campaignOr404(c);
  const em = deps.orm.em.fork();
  const run =
    campaign.status === 'draft'
      ? {}
      : await readCampaignRun(deps.temporal, campaign.id, deps.taskQueryTimeoutMs);
  return page(
    c,
    campaign.name,
    <CampaignDashboard
      progress={await campaignProgress(em, campaign.id)}
      run={run}
      overdue={await overdueTasks(em, campaign.id, 20)}
      failed={await failedRevocations(em, campaign.id, 20)}
      removing={await removalsInProgress(em, campaign.id, 20)}
      csrfToken={signedIn(c).csrfToken}
      message={message}
    />,
    status,
  );
}

async function closePage(c: Context<AppEnv>, rule?: NoResponseRule, message?: PageMessage) {
  const campaign = await campaignOr404(c);
  const em = c.get('deps').orm.em.fork();
  const plan = await planClose(em, campaign.id, rule);
  return page(
    c,
    `Close ${campaign.name}`,
    <ClosePage
      plan={plan}
      sample={await plannedCloses(em, campaign.id, plan.rule, 0, CLOSE_SAMPLE)}
      csrfToken={signedIn(c).csrfToken}
      message={message}
    />,
    message?.kind === 'error' ? 409 : 200,
  );
}

function ruleOf(value: string | undefined): NoResponseRule | undefined {
  return (NO_RESPONSE_RULES as readonly string[]).includes(value ?? '')
    ? (value as NoResponseRule)
    : undefined;
}

/** Campaign admin pages: create, preview, launch, watch, remind, close and export evidence. */
export const campaignRoutes = new Hono<AppEnv>()
  .use(requireUser(), requireRole('campaign_admin'))

  .get('/', async (c) =>
    page(
      c,
      'Campaigns',
      <CampaignListPage campaigns={await listCampaigns(c.get('deps').orm.em.fork())} />,
    ),
  )

  .get('/new', (c) => formPage(c, emptyForm(signedIn(c).email ?? ''), []))

  .post('/', async (c) => {
    const user = signedIn(c);
    const form = await readForm(c);
    const values: CampaignFormValues = {
      name: field(form, 'name'),
      instructions: field(form, 'instructions'),
      defaultView: field(form, 'defaultView'),
      policy: field(form, 'policy'),
      policyVersion: field(form, 'policyVersion').trim(),
      owner: field(form, 'owner').trim(),
      admins: field(form, 'admins'),
      startsAt: field(form, 'startsAt').trim(),
      dueAt: field(form, 'dueAt').trim(),
      noResponseRule: field(form, 'noResponseRule'),
      applications: fields(form, 'applications'),
      resourceTypes: fields(form, 'resourceTypes'),
      riskLevels: fields(form, 'riskLevels'),
      grantKind: field(form, 'grantKind'),
      principalType: field(form, 'principalType'),
      includeDisabledAccounts: field(form, 'includeDisabledAccounts') === 'true',
      includeOrphanedAccounts: field(form, 'includeOrphanedAccounts') === 'true',
    };
    try {
      // Schema and stored-data problems come back together, so the form shows them all at once.
      const campaign = await validateAndCreateCampaign(
        c.get('deps').orm.em.fork(),
        {
          name: values.name,
          instructions: values.instructions,
          defaultView: values.defaultView || undefined,
          policy: values.policy,
          ...(values.policyVersion ? { policyVersion: Number(values.policyVersion) } : {}),
          owner: values.owner,
          admins: values.admins
            .split(',')
            .map((email) => email.trim())
            .filter(Boolean),
          ...(values.startsAt ? { startsAt: values.startsAt } : {}),
          dueAt: values.dueAt,
          noResponseRule: values.noResponseRule || undefined,
          scope: {
            applications: values.applications,
            resourceTypes: values.resourceTypes,
            riskLevels: values.riskLevels,
            grantKind: values.grantKind || undefined,
            principalType: values.principalType || undefined,
            includeDisabledAccounts: values.includeDisabledAccounts,
            includeOrphanedAccounts: values.includeOrphanedAccounts,
          },
        },
        actorLabel(user),
      );
      await auditCampaignCreated(c.get('deps').orm, actorLabel(user), campaign);
      return c.redirect(`/campaigns/${campaign.id}`, 303);
    } catch (error) {
      if (error instanceof CampaignDefinitionError) return formPage(c, values, error.problems);
      throw error;
    }
  })

  .get('/:id', (c) => dashboard(c))

  .get('/:id/progress', async (c) => {
    const deps = c.get('deps');
    const campaign = await campaignOr404(c);
    const progress = await campaignCounts(deps.orm.em.fork(), campaign.id);
    const run = await readCampaignRun(deps.temporal, campaign.id, deps.taskQueryTimeoutMs);
    return page(c, campaign.name, <LaunchProgress progress={progress} run={run} />);
  })

  .get('/:id/preview', async (c) => {
    const campaign = await campaignOr404(c);
    const em = c.get('deps').orm.em.fork();
    if (!campaign.snapshotAt) return c.redirect(`/campaigns/${campaign.id}`, 303);
    return page(
      c,
      `Preview ${campaign.name}`,
      <PreviewPage
        preview={await previewCampaign(em, campaign.id)}
        csrfToken={signedIn(c).csrfToken}
      />,
    );
  })

  .post('/:id/preview', async (c) => {
    const campaign = await campaignOr404(c);
    const refresh = c.req.query('refresh') === '1';
    try {
      const snapshot = await takeSnapshot(c.get('deps').orm.em.fork(), campaign.id, { refresh });
      await auditSnapshot(c.get('deps').orm, actorLabel(signedIn(c)), snapshot, refresh);
    } catch (error) {
      if (error instanceof CampaignStateError)
        return dashboard(c, { kind: 'error', text: error.message }, 409);
      throw error;
    }
    return c.redirect(`/campaigns/${campaign.id}/preview`, 303);
  })

  .post('/:id/launch', async (c) => {
    const deps = c.get('deps');
    const campaign = await campaignOr404(c);
    try {
      await launchCampaign(deps.temporal, deps.orm, campaign.id, {
        actor: actorLabel(signedIn(c)),
        taskQueue: deps.temporalConfig.taskQueue,
      });
    } catch (error) {
      if (error instanceof CampaignStateError)
        return dashboard(c, { kind: 'error', text: error.message }, 409);
      throw error;
    }
    return c.redirect(`/campaigns/${campaign.id}`, 303);
  })

  .post('/:id/remind', async (c) => {
    const deps = c.get('deps');
    const user = signedIn(c);
    const campaign = await campaignOr404(c);
    try {
      await remindReviewers(deps.temporal, deps.orm, campaign.id, {
        actorId: user.identityId,
        actor: actorLabel(user),
        requestId: `web-${c.get('requestId')}`,
      });
    } catch (error) {
      if (error instanceof CampaignRequestError)
        return dashboard(c, { kind: 'error', text: error.message }, 409);
      throw error;
    }
    return dashboard(c, {
      kind: 'ok',
      text: 'Each reviewer with open tasks gets one reminder digest.',
    });
  })

  .get('/:id/close', (c) => closePage(c, ruleOf(c.req.query('rule'))))

  .post('/:id/close', async (c) => {
    const deps = c.get('deps');
    const user = signedIn(c);
    const campaign = await campaignOr404(c);
    const form = await readForm(c);
    const rule = ruleOf(field(form, 'rule'));
    if (field(form, 'confirm') !== 'yes') {
      return closePage(c, rule, {
        kind: 'error',
        text: 'Tick the confirmation to close the campaign.',
      });
    }
    try {
      const reason = field(form, 'reason').trim().slice(0, 1000);
      await closeCampaign(deps.temporal, deps.orm, campaign.id, {
        actorId: user.identityId,
        actor: actorLabel(user),
        ...(rule ? { rule } : {}),
        ...(reason ? { reason } : {}),
      });
    } catch (error) {
      if (error instanceof CampaignRequestError)
        return closePage(c, rule, { kind: 'error', text: error.message });
      throw error;
    }
    return dashboard(c, {
      kind: 'ok',
      text: 'The campaign is closing: every open task is being closed by its rule.',
    });
  })

  .get('/:id/evidence', async (c) => {
    const deps = c.get('deps');
    const campaign = await campaignOr404(c);
    const folder = await mkdtemp(join(tmpdir(), 'recert-evidence-'));
    try {
      const { paths } = await exportEvidence(
        deps.orm,
        campaign.id,
        folder,
        actorLabel(signedIn(c)),
      );
      const stream = Readable.from(tarArchive(paths));
      stream.once('close', () => void rm(folder, { recursive: true, force: true }));
      return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
        'content-type': 'application/x-tar',
        'content-disposition': `attachment; filename="campaign-${campaign.id}-evidence.tar"`,
      });
    } catch (error) {
      await rm(folder, { recursive: true, force: true });
      throw error;
    }
  });
