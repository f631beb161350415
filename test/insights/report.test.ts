import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decisionReport, percentOf } from '../../activities/insights/report.js';
import { useTestDatabase } from '../support/database.js';

const db = useTestDatabase();

/** One decision as the reducer records it in the task log. */
interface Decision {
  reviewerId: number;
  type: 'certified' | 'removed' | 'closed_by_campaign';
  outcome?: 'followed' | 'overridden' | 'closer_look_shown' | 'no_recommendation';
  seconds?: number;
}

async function identity(name: string): Promise<number> {
  const email = `${name}-${randomBytes(4).toString('hex')}@example.test`;
  const [row] = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ id: number }[]>(
      `insert into identity (external_key, email, display_name) values (?, ?, ?) returning id`,
      [email, email, name],
    );
  return row!.id;
}

async function campaign(ownerId: number): Promise<number> {
  const [row] = await db.orm.em
    .fork()
    .getConnection()
    .execute<{ id: number }[]>(
      `insert into campaign (name, scope, policy_name, policy_version, owner_id, due_at)
       values ('Q4 review', '{}', 'standard', 1, ?, now() + interval '14 days') returning id`,
      [ownerId],
    );
  return row!.id;
}

/** Stores one closed task per decision, with the decision as its task log's second entry. */
async function decide(campaignId: number | null, decisions: Decision[]) {
  const connection = db.orm.em.fork().getConnection();
  for (const decision of decisions) {
    const taskId = `report-${randomBytes(5).toString('hex')}`;
    await connection.execute(
      `insert into review_task (id, campaign_id, status, policy_name, policy_version, state_version)
       values (?, ?, ?, 'standard', 1, 3)`,
      [taskId, campaignId, decision.type === 'removed' ? 'removed' : 'certified'],
    );
    const data =
      decision.type === 'closed_by_campaign'
        ? { outcome: 'certify' }
        : {
            shown: { insights: null, recommendation: null },
            ...(decision.outcome ? { recommendationOutcome: decision.outcome } : {}),
            ...(decision.seconds !== undefined ? { secondsSinceAssigned: decision.seconds } : {}),
          };
    await connection.execute(
      `insert into task_event (task_id, seq, type, actor_id, at, step_index, policy_name, policy_version, data)
       values (?, 1, 'started', null, now(), 0, 'standard', 1, null),
              (?, 2, ?, ?, now(), 0, 'standard', 1, ?::jsonb)`,
      [taskId, taskId, decision.type, decision.reviewerId, JSON.stringify(data)],
    );
  }
}

describe('decisionReport', () => {
  it('counts outcomes per campaign and reviewer', async () => {
    const careful = await identity('Careful Reviewer');
    const hasty = await identity('Hasty Reviewer');
    const campaignId = await campaign(careful);
    await decide(campaignId, [
      { reviewerId: careful, type: 'removed', outcome: 'followed', seconds: 95 },
      { reviewerId: careful, type: 'certified', outcome: 'overridden', seconds: 240 },
      { reviewerId: careful, type: 'certified', outcome: 'closer_look_shown', seconds: 60 },
      { reviewerId: hasty, type: 'certified', outcome: 'overridden', seconds: 2 },
      { reviewerId: hasty, type: 'certified', outcome: 'overridden', seconds: 3 },
      { reviewerId: hasty, type: 'certified', outcome: 'no_recommendation', seconds: 4 },
      { reviewerId: hasty, type: 'certified', outcome: 'closer_look_shown', seconds: 10 },
      { reviewerId: hasty, type: 'closed_by_campaign' },
    ]);

    const report = await decisionReport(db.orm.em.fork(), {
      campaignId,
      fastDecisionSeconds: 10,
    });

    expect(report.fastDecisionSeconds).toBe(10);
    expect(report.campaigns).toEqual([
      {
        campaignId,
        campaignName: 'Q4 review',
        decisions: 7,
        certified: 6,
        removed: 1,
        followed: 1,
        overridden: 3,
        closerLookShown: 2,
        noRecommendation: 1,
        fast: 3,
        medianSeconds: 10,
      },
    ]);
    expect(report.reviewers.map((row) => row.reviewerName)).toEqual([
      'Hasty Reviewer',
      'Careful Reviewer',
    ]);
    expect(report.reviewers[0]).toMatchObject({
      campaignId,
      reviewerId: hasty,
      decisions: 4,
      overridden: 2,
      fast: 3,
      medianSeconds: 3.5,
    });
    expect(report.reviewers[1]).toMatchObject({
      reviewerId: careful,
      decisions: 3,
      followed: 1,
      overridden: 1,
      fast: 0,
      medianSeconds: 95,
    });
  });

  it('follows the fast decision threshold', async () => {
    const reviewer = await identity('Threshold Reviewer');
    const campaignId = await campaign(reviewer);
    await decide(campaignId, [
      { reviewerId: reviewer, type: 'certified', outcome: 'no_recommendation', seconds: 29 },
      { reviewerId: reviewer, type: 'certified', outcome: 'no_recommendation', seconds: 30 },
    ]);
    const strict = await decisionReport(db.orm.em.fork(), {
      campaignId,
      fastDecisionSeconds: 30,
    });
    expect(strict.campaigns[0]?.fast).toBe(1);
    const lenient = await decisionReport(db.orm.em.fork(), {
      campaignId,
      fastDecisionSeconds: 5,
    });
    expect(lenient.campaigns[0]?.fast).toBe(0);
  });

  it('counts decisions without provenance as unrecommended', async () => {
    const reviewer = await identity('Early Reviewer');
    const campaignId = await campaign(reviewer);
    await decide(campaignId, [{ reviewerId: reviewer, type: 'certified' }]);
    const report = await decisionReport(db.orm.em.fork(), {
      campaignId,
      fastDecisionSeconds: 10,
    });
    expect(report.campaigns[0]).toMatchObject({
      decisions: 1,
      noRecommendation: 1,
      fast: 0,
      medianSeconds: null,
    });
  });

  it('covers every campaign without a filter', async () => {
    const reviewer = await identity('Everywhere Reviewer');
    const first = await campaign(reviewer);
    const second = await campaign(reviewer);
    await decide(first, [{ reviewerId: reviewer, type: 'certified', seconds: 50 }]);
    await decide(second, [{ reviewerId: reviewer, type: 'removed', seconds: 50 }]);
    await decide(null, [{ reviewerId: reviewer, type: 'removed', seconds: 1 }]);
    const report = await decisionReport(db.orm.em.fork(), { fastDecisionSeconds: 10 });
    const ids = report.campaigns.map((row) => row.campaignId);
    expect(ids).toContain(first);
    expect(ids).toContain(second);
    expect(ids.at(-1)).toBeNull();
    expect(report.reviewers.filter((row) => row.reviewerId === reviewer)).toHaveLength(3);
  });

  it('returns nothing for a campaign without decisions', async () => {
    const reviewer = await identity('Idle Reviewer');
    const campaignId = await campaign(reviewer);
    const report = await decisionReport(db.orm.em.fork(), {
      campaignId,
      fastDecisionSeconds: 10,
    });
    expect(report.campaigns).toEqual([]);
    expect(report.reviewers).toEqual([]);
  });
});

describe('percentOf', () => {
  it('rounds to whole percent', () => {
    expect(percentOf(1, 3)).toBe(33);
    expect(percentOf(2, 3)).toBe(67);
  });

  it('returns null for no total', () => {
    expect(percentOf(0, 0)).toBeNull();
  });
});
