import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { CurrentUser } from '../auth/session.js';
import type { AppEnv } from '../deps.js';
import { page } from '../render.js';
import type { IdentityChoice } from '../views/task-forms.js';
import { TaskPanel, taskHeading, type PanelMessage } from '../views/task-page.js';
import type { LoadedTask } from './task-access.js';
import { grantFacts, identityNames, publishedPolicies } from './task-facts.js';

/** Builds the link to the workflow's page in the Temporal UI, when its URL is configured. */
export function temporalUiLink(c: Context<AppEnv>, workflowId: string): string | undefined {
  const { temporalUiUrl, temporalConfig } = c.get('deps');
  if (!temporalUiUrl) return undefined;
  return `${temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(temporalConfig.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Renders a task's panel (the page, or the htmx fragment) with what it needs from the database. */
export async function renderTaskPanel(
  c: Context<AppEnv>,
  user: CurrentUser,
  loaded: LoadedTask,
  extra: {
    message?: PanelMessage;
    confirm?: Child;
    reassign?: { query: string; results: IdentityChoice[] };
    status?: ContentfulStatusCode;
  } = {},
) {
  const em = c.get('deps').orm.em.fork();
  const { view } = loaded;
  const revocationActors = [
    ...(loaded.revocation?.approverIds ?? []),
    ...(loaded.revocation?.provisionerIds ?? []),
    ...(loaded.revocation?.followUpIds ?? []),
  ];
  const names = await identityNames(em, view, revocationActors);
  const facts = view.insights ? undefined : await grantFacts(em, view);
  const policies = loaded.rights.repair ? await publishedPolicies(em) : [];
  return page(
    c,
    taskHeading(view.subject),
    <TaskPanel
      loaded={loaded}
      names={names}
      facts={facts}
      csrfToken={user.csrfToken}
      temporalUiLink={temporalUiLink(c, view.id)}
      policies={policies}
      message={extra.message}
      confirm={extra.confirm}
      reassign={extra.reassign}
    />,
    extra.status ?? 200,
  );
}

/**
 * Maps an action's outcome to an HTTP status: 422 for missing or malformed input, 409 for an
 * action the task's state forbids. htmx swaps 409, 422 and 503 in place.
 */
export function outcomeStatus(outcome: {
  ok: boolean;
  kind?: string;
  invalidInput?: boolean;
}): ContentfulStatusCode {
  if (outcome.ok) return 200;
  if (outcome.invalidInput) return 422;
  if (outcome.kind === 'unavailable') return 503;
  if (outcome.kind === 'not_found') return 404;
  return 409;
}
