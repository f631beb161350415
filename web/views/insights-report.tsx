import {
  percentOf,
  type DecisionReport,
  type DecisionStats,
} from '../../activities/insights/report.js';

function rate(part: number, total: number): string {
  const value = percentOf(part, total);
  return value === null ? '–' : `${value}%`;
}

function seconds(value: number | null): string {
  if (value === null) return '–';
  if (value < 120) return `${Math.round(value)} s`;
  if (value < 7_200) return `${Math.round(value / 60)} min`;
  return `${Math.round(value / 3_600)} h`;
}

/** Renders the counted columns shared by the campaign and the reviewer tables. */
function StatsCells(props: { stats: DecisionStats }) {
  const s = props.stats;
  const removeShown = s.followed + s.overridden;
  return (
    <>
      <td>{String(s.decisions)}</td>
      <td>{`${s.certified} / ${s.removed}`}</td>
      <td>{`${s.followed} (${rate(s.followed, removeShown)})`}</td>
      <td>{`${s.overridden} (${rate(s.overridden, removeShown)})`}</td>
      <td>{String(s.closerLookShown)}</td>
      <td>{String(s.noRecommendation)}</td>
      <td>{`${s.fast} (${rate(s.fast, s.decisions)})`}</td>
      <td>{seconds(s.medianSeconds)}</td>
    </>
  );
}

function StatsHeaders() {
  return (
    <>
      <th scope="col">Decisions</th>
      <th scope="col">Certified / removed</th>
      <th scope="col">Remove recommended: followed</th>
      <th scope="col">Remove recommended: overridden</th>
      <th scope="col">Closer look shown</th>
      <th scope="col">No recommendation</th>
      <th scope="col">Fast decisions</th>
      <th scope="col">Median time to decide</th>
    </>
  );
}

export interface InsightsReportProps {
  report: DecisionReport;
  campaigns: { id: number; name: string }[];
  campaignId?: number;
}

/**
 * Renders the recommendations report for campaign admins: per campaign and per reviewer, how often
 * "remove this access" was followed or overridden, and how many decisions were fast.
 */
export function InsightsReportPage(props: InsightsReportProps) {
  const { report } = props;
  const names = new Map(props.campaigns.map((campaign) => [campaign.id, campaign.name]));
  const campaignName = (id: number | null) =>
    id === null ? 'Outside campaigns' : (names.get(id) ?? `Campaign ${id}`);
  return (
    <>
      <h1>Recommendations and decisions</h1>
      <p class="muted">
        {`How reviewers decided where a recommendation was shown. "Followed" means the reviewer removed access that "remove this access" was recommended for; "overridden" means they certified it. Fast decisions came less than ${report.fastDecisionSeconds} seconds after the task was assigned, which can mean approving without reading.`}
      </p>
      <form method="get" action="/insights" class="filters" aria-label="Campaign">
        <div>
          <label for="r-campaign">Campaign</label>
          <select id="r-campaign" name="campaign">
            <option value="">All campaigns</option>
            {props.campaigns.map((campaign) => (
              <option value={String(campaign.id)} selected={props.campaignId === campaign.id}>
                {campaign.name}
              </option>
            ))}
          </select>
        </div>
        <div class="filter-submit">
          <button type="submit">Show</button>
        </div>
      </form>

      {report.campaigns.length === 0 ? (
        <p class="empty">No decisions are recorded for this selection yet.</p>
      ) : (
        <>
          <section aria-labelledby="campaigns-title">
            <h2 id="campaigns-title">By campaign</h2>
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Campaign</th>
                    <StatsHeaders />
                  </tr>
                </thead>
                <tbody>
                  {report.campaigns.map((row) => (
                    <tr>
                      <th scope="row">
                        {row.campaignId === null ? (
                          campaignName(null)
                        ) : (
                          <a href={`/insights?campaign=${row.campaignId}`}>
                            {row.campaignName ?? campaignName(row.campaignId)}
                          </a>
                        )}
                      </th>
                      <StatsCells stats={row} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section aria-labelledby="reviewers-title">
            <h2 id="reviewers-title">By reviewer</h2>
            <p class="muted">Reviewers with the most fast decisions come first.</p>
            <div class="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Reviewer</th>
                    {props.campaignId === undefined ? <th scope="col">Campaign</th> : null}
                    <StatsHeaders />
                  </tr>
                </thead>
                <tbody>
                  {report.reviewers.map((row) => (
                    <tr>
                      <th scope="row">
                        {row.reviewerName ?? `Identity ${row.reviewerId}`}
                        {row.reviewerEmail ? (
                          <span class="muted">{` ${row.reviewerEmail}`}</span>
                        ) : null}
                      </th>
                      {props.campaignId === undefined ? (
                        <td>{campaignName(row.campaignId)}</td>
                      ) : null}
                      <StatsCells stats={row} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
