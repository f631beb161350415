import type { Child } from 'hono/jsx';
import type { InsightsSnapshot, PeerCount, Recommendation } from '../../workflows/insights.js';
import type { TaskView } from '../tasks/task-access.js';
import type { GrantFacts } from '../tasks/task-facts.js';
import { RecommendationFlag, RiskFlag, Time } from './components.js';

const ACCOUNT_STATUS_LABELS: Record<InsightsSnapshot['accountStatus'], string> = {
  active: 'active',
  disabled: 'disabled in the application',
  orphaned: 'orphaned: matches no identity in the directory',
  service: 'service account',
  group: 'none: the grant is held by a group',
};

function peerText(kind: 'department' | 'manager' | 'title', peers: PeerCount): string {
  const where =
    kind === 'department'
      ? `in ${peers.label}`
      : kind === 'manager'
        ? `reporting to ${peers.label}`
        : `with the title ${peers.label}`;
  return `${peers.holding} of ${peers.total} ${where} hold it`;
}

function grantText(insights: InsightsSnapshot): string {
  if (insights.principalType === 'group') return 'held by a group';
  if (insights.grantKind === 'direct') return 'direct';
  return insights.inheritedVia.length
    ? `inherited through ${insights.inheritedVia.join(', ')}`
    : 'inherited';
}

function RecommendationBox(props: { recommendation?: Recommendation }) {
  const { recommendation } = props;
  if (!recommendation || recommendation.kind === 'none') {
    return <p class="muted">No recommendation for this task: no rule matched these facts.</p>;
  }
  return (
    <div class={`recommendation ${recommendation.kind}`}>
      <p>
        <RecommendationFlag kind={recommendation.kind} />
      </p>
      <ul>
        {recommendation.reasons.map((reason) => (
          <li>{reason}</li>
        ))}
      </ul>
      <p class="muted">{`Rules ${recommendation.ruleVersion}`}</p>
    </div>
  );
}

/** Lists every insight of a snapshot, with the numbers the reasons cite. */
function InsightFacts(props: { insights: InsightsSnapshot }) {
  const insights = props.insights;
  const rows: [string, Child][] = [
    ['Identities holding this resource', String(insights.identitiesHoldingResource)],
  ];

  const peerKinds = (['department', 'manager', 'title'] as const).filter(
    (kind) => insights.peers[kind],
  );
  for (const kind of peerKinds) {
    rows.push([`Peers with the same ${kind}`, peerText(kind, insights.peers[kind]!)]);
  }
  if (peerKinds.length === 0) {
    rows.push([
      'Peers',
      "none to compare with: nobody else shares this person's department, manager or title, or those are unknown",
    ]);
  }

  rows.push(['Risk level', <RiskFlag level={insights.riskLevel} />]);
  rows.push(['Account status', ACCOUNT_STATUS_LABELS[insights.accountStatus]]);
  if (insights.otherHolders) {
    const { humanAccounts, serviceAccounts } = insights.otherHolders;
    rows.push(['Other accounts holding it', `${humanAccounts} human, ${serviceAccounts} service`]);
  }
  if (insights.principalType !== 'group') {
    rows.push([
      insights.lastActivity === 'use' ? 'Last used' : 'Last used or last login',
      insights.lastUsedAt ? (
        <>
          <Time value={insights.lastUsedAt} />
          {insights.lastActivity === 'login' ? ' (last login)' : ''}
          {insights.daysSinceLastUse !== undefined
            ? `, ${insights.daysSinceLastUse} days before the insights were computed`
            : ''}
        </>
      ) : (
        'not reported by the source'
      ),
    ]);
  }
  if (insights.identityStatus) {
    rows.push([
      'Employment status',
      insights.identityTerminatedAt ? (
        <>
          {`${insights.identityStatus} since `}
          <Time value={insights.identityTerminatedAt} />
        </>
      ) : (
        insights.identityStatus
      ),
    ]);
  }
  rows.push(['Grant', grantText(insights)]);
  if (insights.grantAgeDays !== undefined) {
    rows.push([
      'Held for',
      insights.grantFirstSeenAt ? (
        <>
          {`${insights.grantAgeDays} days (first imported `}
          <Time value={insights.grantFirstSeenAt} />)
        </>
      ) : (
        `${insights.grantAgeDays} days`
      ),
    ]);
  }
  if (insights.grantRemovedAt) {
    rows.push(['Missing from the latest import since', <Time value={insights.grantRemovedAt} />]);
  }
  rows.push(['Computed', <Time value={insights.computedAt} />]);

  return (
    <dl class="facts">
      {rows.map(([term, value]) => (
        <>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </>
      ))}
    </dl>
  );
}

/**
 * Renders a task's insights section: the recommendation with its reasons, then the insight
 * numbers. A task without a snapshot shows the facts the imported data contains instead.
 */
export function Insights(props: { view: TaskView; facts?: GrantFacts }) {
  const { insights, recommendation } = props.view;
  return (
    <section aria-labelledby="insights-title">
      <h2 id="insights-title">Insights</h2>
      {insights || recommendation ? <RecommendationBox recommendation={recommendation} /> : null}
      {insights ? (
        <InsightFacts insights={insights} />
      ) : props.facts ? (
        <Facts facts={props.facts} />
      ) : null}
    </section>
  );
}

/** Renders the facts in the imported data, for tasks without an insights snapshot. */
function Facts(props: { facts: GrantFacts }) {
  const f = props.facts;
  const rows: [string, Child][] = [];
  if (f.identitiesHoldingResource !== null)
    rows.push(['Identities holding this resource', String(f.identitiesHoldingResource)]);
  if (f.accountStatus)
    rows.push(['Account status', `${f.accountStatus} (${f.accountType ?? 'human'})`]);
  if (f.accountLogin) rows.push(['Login', f.accountLogin]);
  rows.push([
    'Last login',
    f.lastLoginAt ? <Time value={f.lastLoginAt} /> : 'not reported by the source',
  ]);
  if (f.lastUsedAt) rows.push(['Last used', <Time value={f.lastUsedAt} />]);
  if (f.employmentStatus) rows.push(['Employment status', f.employmentStatus]);
  if (f.department) rows.push(['Department', f.department]);
  if (f.title) rows.push(['Title', f.title]);
  if (f.managerName) rows.push(['Manager', f.managerName]);
  if (f.grantFirstSeenAt) rows.push(['First imported', <Time value={f.grantFirstSeenAt} />]);
  if (f.resourceDescription) rows.push(['About the resource', f.resourceDescription]);
  return (
    <>
      <p class="muted">
        No insights were computed for this task; these are the facts in the imported data.
      </p>
      <dl class="facts">
        {rows.map(([term, value]) => (
          <>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </>
        ))}
      </dl>
    </>
  );
}
