import { Hono } from 'hono';
import { loadInsightsConfig, type InsightsConfig } from '../../activities/insights/config.js';
import { decisionReport } from '../../activities/insights/report.js';
import { requireRole, requireUser } from '../auth/require.js';
import type { AppEnv } from '../deps.js';
import { positiveInt } from '../forms.js';
import { page } from '../render.js';
import { InsightsReportPage } from '../views/insights-report.js';

let config: InsightsConfig | undefined;

/** The recommendations report: for campaign admins and super admins. */
export const insightsRoutes = new Hono<AppEnv>()
  .use(requireUser(), requireRole('campaign_admin'))

  .get('/', async (c) => {
    // NOTE: the web start-up does not load the insights config, so it is read on first use.
    // An invalid RECERT_INSIGHTS_* variable fails this page instead of the start.
    config ??= loadInsightsConfig();
    const em = c.get('deps').orm.em.fork();
    const campaignId = positiveInt(c.req.query('campaign'));
    const campaigns = await em
      .getConnection()
      .execute<{ id: number; name: string }[]>(
        'select id, name from campaign order by coalesce(launched_at, created_at) desc, id desc',
      );
    const report = await decisionReport(em, {
      campaignId,
      fastDecisionSeconds: config.fastDecisionSeconds,
    });
    return page(
      c,
      'Recommendations and decisions',
      <InsightsReportPage report={report} campaigns={campaigns} campaignId={campaignId} />,
    );
  });
