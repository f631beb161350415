import {
  CAMPAIGN_VIEWS,
  NO_RESPONSE_RULES,
  RISK_LEVELS,
} from '../../db/campaigns/campaign-schema.js';
import { CsrfField, Notice } from './components.js';

/** The create form's field values as strings, so a rejected form shows what was typed. */
export interface CampaignFormValues {
  name: string;
  instructions: string;
  defaultView: string;
  policy: string;
  policyVersion: string;
  owner: string;
  admins: string;
  startsAt: string;
  dueAt: string;
  noResponseRule: string;
  applications: string[];
  resourceTypes: string[];
  riskLevels: string[];
  grantKind: string;
  principalType: string;
  includeDisabledAccounts: boolean;
  includeOrphanedAccounts: boolean;
}

export const RULE_LABELS: Record<string, string> = {
  leave_open: 'Leave open: no decision is recorded; the task is closed as expired',
  certify: 'Certify: keep the access',
  remove: 'Remove: revoke the access',
  follow_recommendation:
    'Follow the recommendation: remove where it says remove, certify where it found nothing, leave the rest open',
};

const VIEW_LABELS: Record<string, string> = {
  by_application: 'By application',
  by_user: 'By user',
  unstructured: 'All in one list',
};

export function CampaignForm(props: {
  values: CampaignFormValues;
  problems: string[];
  csrfToken: string;
  policies: { name: string; version: number }[];
  applications: { key: string; name: string }[];
  resourceTypes: string[];
}) {
  const v = props.values;
  return (
    <>
      <h1>New campaign</h1>
      {props.problems.length > 0 ? (
        <Notice kind="error" focus={true}>
          <p>The campaign was not created:</p>
          <ul>
            {props.problems.map((problem) => (
              <li>{problem}</li>
            ))}
          </ul>
        </Notice>
      ) : null}
      <form method="post" action="/campaigns" class="stack campaign-form">
        <CsrfField token={props.csrfToken} />
        <label for="c-name">Name</label>
        <input id="c-name" name="name" type="text" required value={v.name} />

        <label for="c-instructions">Instructions for reviewers (Markdown)</label>
        <textarea id="c-instructions" name="instructions" rows={6}>
          {v.instructions}
        </textarea>

        <label for="c-view">Default view</label>
        <select id="c-view" name="defaultView">
          {CAMPAIGN_VIEWS.map((view) => (
            <option value={view} selected={v.defaultView === view}>
              {VIEW_LABELS[view]}
            </option>
          ))}
        </select>

        <label for="c-policy">Policy</label>
        <select id="c-policy" name="policy" required>
          {props.policies.map((policy) => (
            <option value={policy.name} selected={v.policy === policy.name}>
              {`${policy.name} (latest: v${policy.version})`}
            </option>
          ))}
        </select>
        <label for="c-policy-version">Policy version (empty for the latest)</label>
        <input
          id="c-policy-version"
          name="policyVersion"
          type="number"
          min="1"
          value={v.policyVersion}
        />

        <label for="c-owner">Owner (email)</label>
        <input id="c-owner" name="owner" type="email" required value={v.owner} />
        <label for="c-admins">Further campaign admins (emails, comma-separated)</label>
        <input id="c-admins" name="admins" type="text" value={v.admins} />

        <label for="c-starts">Start date (UTC)</label>
        <input id="c-starts" name="startsAt" type="date" value={v.startsAt} />
        <label for="c-due">Due date (UTC)</label>
        <input id="c-due" name="dueAt" type="date" required value={v.dueAt} />

        <fieldset>
          <legend>At the due date, tasks still open are</legend>
          {NO_RESPONSE_RULES.map((rule) => (
            <label class="choice">
              <input
                type="radio"
                name="noResponseRule"
                value={rule}
                checked={v.noResponseRule === rule}
              />{' '}
              {RULE_LABELS[rule]}
            </label>
          ))}
        </fieldset>

        <fieldset>
          <legend>Scope (nothing selected means all)</legend>
          <label for="c-apps">Applications</label>
          <select id="c-apps" name="applications" multiple size={5}>
            {props.applications.map((app) => (
              <option value={app.key} selected={v.applications.includes(app.key)}>
                {`${app.name} (${app.key})`}
              </option>
            ))}
          </select>
          <label for="c-types">Resource types</label>
          <select id="c-types" name="resourceTypes" multiple size={4}>
            {props.resourceTypes.map((type) => (
              <option value={type} selected={v.resourceTypes.includes(type)}>
                {type}
              </option>
            ))}
          </select>
          <p>Resource risk levels</p>
          {RISK_LEVELS.map((level) => (
            <label class="inline">
              <input
                type="checkbox"
                name="riskLevels"
                value={level}
                checked={v.riskLevels.includes(level)}
              />{' '}
              {level}
            </label>
          ))}
          <label for="c-kind">Grants</label>
          <select id="c-kind" name="grantKind">
            <option value="both" selected={v.grantKind === 'both'}>
              Direct and inherited
            </option>
            <option value="direct" selected={v.grantKind === 'direct'}>
              Direct only
            </option>
            <option value="inherited" selected={v.grantKind === 'inherited'}>
              Inherited only
            </option>
          </select>
          <label for="c-principal">Held by</label>
          <select id="c-principal" name="principalType">
            <option value="account" selected={v.principalType === 'account'}>
              Accounts
            </option>
            <option value="group" selected={v.principalType === 'group'}>
              Groups
            </option>
            <option value="both" selected={v.principalType === 'both'}>
              Accounts and groups
            </option>
          </select>
          <label class="choice">
            <input
              type="checkbox"
              name="includeDisabledAccounts"
              value="true"
              checked={v.includeDisabledAccounts}
            />{' '}
            Include accounts disabled in their application
          </label>
          <label class="choice">
            <input
              type="checkbox"
              name="includeOrphanedAccounts"
              value="true"
              checked={v.includeOrphanedAccounts}
            />{' '}
            Include orphaned accounts (matching no identity)
          </label>
        </fieldset>
        <div class="buttons">
          <button type="submit" class="primary">
            Create draft
          </button>
        </div>
      </form>
    </>
  );
}
