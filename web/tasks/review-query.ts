import { hasRole, type CurrentUser } from '../auth/session.js';
import { positiveInt } from '../forms.js';
import {
  RECOMMENDATIONS,
  RISK_LEVELS,
  STATUS_FILTERS,
  VIEWS,
  type ReviewView,
  type StatusFilter,
  type TaskFilters,
} from './task-list.js';

function oneOf<T extends string>(values: readonly T[], value: string | undefined): T | undefined {
  return values.includes(value as T) ? (value as T) : undefined;
}

/**
 * Reads the list filters from query values (or the bulk form's `filter_` fields). Unknown
 * values are ignored; only administrators may list everyone's tasks.
 */
export function parseFilters(
  get: (name: string) => string | undefined,
  user: CurrentUser,
): { filters: TaskFilters; view?: ReviewView; page: number } {
  const scope =
    get('scope') === 'all' && hasRole(user, 'campaign_admin')
      ? ('all' as const)
      : ('mine' as const);
  return {
    filters: {
      campaignId: positiveInt(get('campaign')),
      applicationId: positiveInt(get('application')),
      risk: oneOf(RISK_LEVELS, get('risk')),
      recommendation: oneOf(RECOMMENDATIONS, get('recommendation')),
      status: oneOf<StatusFilter>(STATUS_FILTERS, get('status')) ?? 'open',
      scope,
    },
    view: oneOf(VIEWS, get('view')),
    page: positiveInt(get('page')) ?? 1,
  };
}
