import { describe, expect, it } from 'vitest';
import type { InsightsSnapshot } from '../../workflows/insights.js';
import { DEFAULT_INSIGHTS_CONFIG, loadInsightsConfig, type InsightsConfig } from './config.js';
import {
  RULE_VERSION,
  disabledRule,
  evaluateRules,
  grantRemovedRule,
  highRiskRule,
  identityInactiveRule,
  inheritedPrivilegedRule,
  orphanedRule,
  peerOutlierRule,
  recommend,
  serviceHumanStyleRule,
  terminatedRule,
  unusedRule,
} from './rules.js';

/** Builds the snapshot of an active person's direct, low-risk, shared grant, which no rule flags. */
function snapshot(overrides: Partial<InsightsSnapshot> = {}): InsightsSnapshot {
  return {
    computedAt: '2026-12-01T00:00:00.000Z',
    identitiesHoldingResource: 40,
    peers: {
      department: { label: 'Sales', holding: 20, total: 30 },
      manager: { label: 'Ana Costa', holding: 5, total: 6 },
    },
    riskLevel: 'low',
    lastUsedAt: '2026-11-20T00:00:00.000Z',
    lastActivity: 'login',
    daysSinceLastUse: 11,
    accountStatus: 'active',
    grantKind: 'direct',
    inheritedVia: [],
    identityStatus: 'active',
    principalType: 'account',
    accountType: 'human',
    accountDisabled: false,
    orphaned: false,
    grantsOwnership: false,
    otherHolders: { humanAccounts: 39, serviceAccounts: 0 },
    grantAgeDays: 200,
    ...overrides,
  };
}

const config: InsightsConfig = DEFAULT_INSIGHTS_CONFIG;

describe('recommend', () => {
  it('recommends nothing for ordinary access', () => {
    const recommendation = recommend(snapshot(), config);
    expect(recommendation.kind).toBe('none');
    expect(recommendation.reasons).toEqual([]);
    expect(recommendation.ruleVersion).toBe(RULE_VERSION);
  });

  it('records the thresholds it used', () => {
    const recommendation = recommend(snapshot(), { ...config, unusedAfterDays: 30 });
    expect(recommendation.thresholds?.unusedAfterDays).toBe(30);
    expect(recommendation.thresholds?.peerMaxShare).toBe(config.peerMaxShare);
  });

  it('prefers remove over closer look', () => {
    const recommendation = recommend(
      snapshot({ identityStatus: 'terminated', riskLevel: 'critical' }),
      config,
    );
    expect(recommendation.kind).toBe('remove');
    expect(recommendation.reasons[0]).toMatch(/terminated/);
    expect(recommendation.reasons[1]).toMatch(/risk level is critical/);
  });

  it('recommends a closer look alone', () => {
    const recommendation = recommend(snapshot({ riskLevel: 'high' }), config);
    expect(recommendation.kind).toBe('closer_look');
    expect(recommendation.reasons).toHaveLength(1);
  });
});

describe('terminatedRule', () => {
  it('flags a terminated identity with the date', () => {
    const finding = terminatedRule(
      snapshot({ identityStatus: 'terminated', identityTerminatedAt: '2026-10-02T00:00:00Z' }),
    );
    expect(finding?.kind).toBe('remove');
    expect(finding?.reason).toBe(
      'The person was terminated on 2026-10-02, yet the account still holds this access.',
    );
  });

  it('flags a terminated identity without a date', () => {
    expect(terminatedRule(snapshot({ identityStatus: 'terminated' }))?.reason).toBe(
      'The person was terminated, yet the account still holds this access.',
    );
  });

  it('ignores people on leave', () => {
    expect(terminatedRule(snapshot({ identityStatus: 'on_leave' }))).toBeUndefined();
  });
});

describe('orphanedRule and disabledRule', () => {
  it('flags an orphaned account', () => {
    const finding = orphanedRule(
      snapshot({ orphaned: true, accountStatus: 'orphaned', identityStatus: undefined }),
    );
    expect(finding?.kind).toBe('remove');
    expect(finding?.reason).toMatch(/matches no identity/);
  });

  it('does not call a service account orphaned', () => {
    const service = snapshot({ accountType: 'service', accountStatus: 'service', orphaned: false });
    expect(orphanedRule(service)).toBeUndefined();
  });

  it('flags a disabled account', () => {
    const finding = disabledRule(snapshot({ accountDisabled: true, accountStatus: 'disabled' }));
    expect(finding?.kind).toBe('remove');
    expect(finding?.reason).toMatch(/disabled/);
  });
});

describe('unusedRule', () => {
  it('flags access unused beyond the window', () => {
    const finding = unusedRule(
      snapshot({ lastUsedAt: '2026-05-04T10:00:00Z', daysSinceLastUse: 214 }),
      config,
    );
    expect(finding?.kind).toBe('remove');
    expect(finding?.reason).toBe(
      'Unused for 214 days (last login 2026-05-04); the limit is 90 days.',
    );
  });

  it('names last use when that is the newer time', () => {
    const finding = unusedRule(
      snapshot({ lastUsedAt: '2026-05-04T10:00:00Z', lastActivity: 'use', daysSinceLastUse: 214 }),
      config,
    );
    expect(finding?.reason).toMatch(/\(last used 2026-05-04\)/);
  });

  it('allows exactly the window', () => {
    expect(unusedRule(snapshot({ daysSinceLastUse: 90 }), config)).toBeUndefined();
    expect(unusedRule(snapshot({ daysSinceLastUse: 91 }), config)).toBeDefined();
  });

  it('follows a configured window', () => {
    const strict = { ...config, unusedAfterDays: 30 };
    expect(unusedRule(snapshot({ daysSinceLastUse: 31 }), strict)?.reason).toMatch(
      /the limit is 30 days/,
    );
    expect(unusedRule(snapshot({ daysSinceLastUse: 30 }), strict)).toBeUndefined();
  });

  it('claims nothing without last-use data', () => {
    const unknown = snapshot({
      lastUsedAt: undefined,
      lastActivity: undefined,
      daysSinceLastUse: undefined,
    });
    expect(unusedRule(unknown, config)).toBeUndefined();
    expect(recommend(unknown, config).kind).toBe('none');
  });
});

describe('highRiskRule', () => {
  it.each([
    ['low', false],
    ['medium', false],
    ['high', true],
    ['critical', true],
    ['unknown', false],
  ])('treats %s risk as high: %s', (riskLevel, flagged) => {
    expect(highRiskRule(snapshot({ riskLevel }), config) !== undefined).toBe(flagged);
  });

  it('follows a configured level', () => {
    const criticalOnly = { ...config, closerLookRisk: 'critical' as const };
    expect(highRiskRule(snapshot({ riskLevel: 'high' }), criticalOnly)).toBeUndefined();
    expect(highRiskRule(snapshot({ riskLevel: 'critical' }), criticalOnly)?.reason).toBe(
      "The resource's risk level is critical; resources at critical or above get a closer look.",
    );
  });
});

describe('peerOutlierRule', () => {
  it('flags access no peer holds', () => {
    const finding = peerOutlierRule(
      snapshot({
        peers: {
          department: { label: 'Marketing', holding: 0, total: 22 },
          manager: { label: 'Yara Ivanova', holding: 0, total: 8 },
          title: { label: 'Events Coordinator', holding: 0, total: 3 },
        },
      }),
      config,
    );
    expect(finding?.kind).toBe('closer_look');
    expect(finding?.reason).toBe(
      'Few peers hold this access: 0 of 22 peers in Marketing; 0 of 8 peers reporting to Yara Ivanova; 0 of 3 peers with the title Events Coordinator. The limit is 5% of peers.',
    );
  });

  it('flags a share at the limit', () => {
    const peers = { department: { label: 'Engineering', holding: 5, total: 100 } };
    expect(peerOutlierRule(snapshot({ peers }), config)).toBeDefined();
    const above = { department: { label: 'Engineering', holding: 6, total: 100 } };
    expect(peerOutlierRule(snapshot({ peers: above }), config)).toBeUndefined();
  });

  it('claims nothing without peers', () => {
    expect(peerOutlierRule(snapshot({ peers: {} }), config)).toBeUndefined();
  });

  it('claims nothing without a manager or department', () => {
    const titleOnly = { title: { label: 'Paralegal', holding: 0, total: 3 } };
    expect(peerOutlierRule(snapshot({ peers: titleOnly }), config)).toBeUndefined();
  });

  it('claims nothing from groups below the minimum size', () => {
    const small = {
      department: { label: 'Legal', holding: 0, total: 4 },
      manager: { label: 'Kim Lee', holding: 0, total: 2 },
    };
    expect(peerOutlierRule(snapshot({ peers: small }), config)).toBeUndefined();
    expect(
      peerOutlierRule(snapshot({ peers: small }), { ...config, peerMinGroup: 4 }),
    ).toBeDefined();
  });

  it('lets a small group that shares the access veto', () => {
    const peers = {
      department: { label: 'Executive', holding: 1, total: 1 },
      manager: { label: 'Yusuf Petrov', holding: 0, total: 9 },
    };
    expect(peerOutlierRule(snapshot({ peers }), config)).toBeUndefined();
  });

  it('needs every group to be rare', () => {
    const peers = {
      department: { label: 'Engineering', holding: 3, total: 101 },
      manager: { label: 'Mei Torres', holding: 6, total: 11 },
    };
    expect(peerOutlierRule(snapshot({ peers }), config)).toBeUndefined();
  });

  it('follows a configured share', () => {
    const peers = { department: { label: 'Sales', holding: 2, total: 20 } };
    expect(peerOutlierRule(snapshot({ peers }), config)).toBeUndefined();
    expect(peerOutlierRule(snapshot({ peers }), { ...config, peerMaxShare: 0.1 })?.reason).toMatch(
      /2 of 20 peers in Sales\. The limit is 10% of peers\./,
    );
  });
});

describe('inheritedPrivilegedRule', () => {
  it('flags high-risk inherited access with its path', () => {
    const finding = inheritedPrivilegedRule(
      snapshot({ grantKind: 'inherited', inheritedVia: ['Admins · member'], riskLevel: 'high' }),
      config,
    );
    expect(finding?.reason).toBe(
      'Privileged access inherited through Admins · member: its risk level is high.',
    );
  });

  it('flags inherited ownership at low risk', () => {
    const finding = inheritedPrivilegedRule(
      snapshot({ grantKind: 'inherited', inheritedVia: [], grantsOwnership: true }),
      config,
    );
    expect(finding?.reason).toBe(
      'Privileged access inherited through a group: it makes the holder an owner of the parent object.',
    );
  });

  it('ignores direct and low-risk inherited access', () => {
    expect(inheritedPrivilegedRule(snapshot({ riskLevel: 'critical' }), config)).toBeUndefined();
    expect(
      inheritedPrivilegedRule(snapshot({ grantKind: 'inherited', riskLevel: 'medium' }), config),
    ).toBeUndefined();
  });

  it('follows a configured privileged level', () => {
    const medium = { ...config, privilegedRisk: 'medium' as const };
    expect(
      inheritedPrivilegedRule(snapshot({ grantKind: 'inherited', riskLevel: 'medium' }), medium),
    ).toBeDefined();
  });
});

describe('serviceHumanStyleRule', () => {
  const service = { accountType: 'service' as const, accountStatus: 'service' as const };

  it('flags a service account holding human access', () => {
    const finding = serviceHumanStyleRule(
      snapshot({ ...service, otherHolders: { humanAccounts: 24, serviceAccounts: 1 } }),
      config,
    );
    expect(finding?.reason).toBe(
      'A service account holds access that mostly people hold: the other holders are 24 human accounts and 1 service account (96% human); the limit is 50%.',
    );
  });

  it('ignores access only service accounts hold', () => {
    expect(
      serviceHumanStyleRule(
        snapshot({ ...service, otherHolders: { humanAccounts: 0, serviceAccounts: 0 } }),
        config,
      ),
    ).toBeUndefined();
    expect(
      serviceHumanStyleRule(
        snapshot({ ...service, otherHolders: { humanAccounts: 1, serviceAccounts: 3 } }),
        config,
      ),
    ).toBeUndefined();
  });

  it('ignores human accounts', () => {
    expect(serviceHumanStyleRule(snapshot(), config)).toBeUndefined();
  });

  it('flags a share at the limit', () => {
    expect(
      serviceHumanStyleRule(
        snapshot({ ...service, otherHolders: { humanAccounts: 2, serviceAccounts: 2 } }),
        config,
      ),
    ).toBeDefined();
  });
});

describe('identityInactiveRule and grantRemovedRule', () => {
  it('flags an inactive identity', () => {
    expect(identityInactiveRule(snapshot({ identityStatus: 'inactive' }))?.kind).toBe(
      'closer_look',
    );
    expect(identityInactiveRule(snapshot({ identityStatus: 'on_leave' }))).toBeUndefined();
  });

  it('flags a grant the latest import lacks', () => {
    const finding = grantRemovedRule(snapshot({ grantRemovedAt: '2026-11-30T08:00:00Z' }));
    expect(finding?.reason).toMatch(/missing since 2026-11-30/);
  });
});

describe('evaluateRules', () => {
  it('lists remove findings before closer-look findings', () => {
    const findings = evaluateRules(
      snapshot({
        riskLevel: 'critical',
        accountDisabled: true,
        daysSinceLastUse: 300,
        identityStatus: 'terminated',
      }),
      config,
    );
    expect(findings.map((finding) => finding.rule)).toEqual([
      'terminated',
      'disabled',
      'unused',
      'high_risk',
    ]);
  });
});

describe('loadInsightsConfig', () => {
  it('has the documented defaults', () => {
    expect(loadInsightsConfig({})).toEqual({
      unusedAfterDays: 90,
      closerLookRisk: 'high',
      privilegedRisk: 'high',
      peerMinGroup: 5,
      peerMaxShare: 0.05,
      serviceHumanShare: 0.5,
      fastDecisionSeconds: 10,
    });
  });

  it('reads every variable', () => {
    const loaded = loadInsightsConfig({
      RECERT_INSIGHTS_UNUSED_DAYS: '30',
      RECERT_INSIGHTS_CLOSER_LOOK_RISK: 'critical',
      RECERT_INSIGHTS_PRIVILEGED_RISK: 'medium',
      RECERT_INSIGHTS_PEER_MIN_GROUP: '10',
      RECERT_INSIGHTS_PEER_MAX_SHARE: '0.2',
      RECERT_INSIGHTS_SERVICE_HUMAN_SHARE: '0.8',
      RECERT_INSIGHTS_FAST_DECISION_SECONDS: '5',
    });
    expect(loaded).toEqual({
      unusedAfterDays: 30,
      closerLookRisk: 'critical',
      privilegedRisk: 'medium',
      peerMinGroup: 10,
      peerMaxShare: 0.2,
      serviceHumanShare: 0.8,
      fastDecisionSeconds: 5,
    });
  });

  it('reports every invalid variable', () => {
    expect(() =>
      loadInsightsConfig({
        RECERT_INSIGHTS_UNUSED_DAYS: 'ninety',
        RECERT_INSIGHTS_PEER_MAX_SHARE: '5',
        RECERT_INSIGHTS_CLOSER_LOOK_RISK: 'severe',
      }),
    ).toThrow(
      /RECERT_INSIGHTS_UNUSED_DAYS="ninety"[\s\S]*RECERT_INSIGHTS_CLOSER_LOOK_RISK="severe"[\s\S]*RECERT_INSIGHTS_PEER_MAX_SHARE="5"/,
    );
  });
});
