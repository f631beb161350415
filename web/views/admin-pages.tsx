import type { RoleHolder } from '../../db/role-repository.js';
import type { AuditFilters, AuditRow, SessionRow } from '../admin/audit-log.js';
import { CsrfField, Notice, Pagination, Time, urlWith } from './components.js';
import { roleLabel } from './login-page.js';
import type { IdentityChoice } from './task-forms.js';

export function AuditPage(props: {
  filters: AuditFilters;
  rows: AuditRow[];
  total: number;
  page: number;
  pageSize: number;
  names: Map<string, string>;
}) {
  const f = props.filters;
  return (
    <>
      <h1>Audit log</h1>
      <p class="muted">
        Every sign-in, role change, rejected action and administrative event, newest first. Entries
        cannot be changed or deleted.
      </p>
      <form method="get" action="/admin/audit" class="filters" aria-label="Filters">
        <div>
          <label for="a-actor">Actor contains</label>
          <input id="a-actor" name="actor" type="search" value={f.actor ?? ''} />
        </div>
        <div>
          <label for="a-action">Action contains</label>
          <input id="a-action" name="action" type="search" value={f.action ?? ''} />
        </div>
        <div>
          <label for="a-target">Target contains</label>
          <input id="a-target" name="target" type="search" value={f.target ?? ''} />
        </div>
        <div>
          <label for="a-outcome">Outcome</label>
          <select id="a-outcome" name="outcome">
            <option value="">Any</option>
            {(['ok', 'rejected', 'failed'] as const).map((outcome) => (
              <option value={outcome} selected={f.outcome === outcome}>
                {outcome}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="a-from">From (UTC date)</label>
          <input id="a-from" name="from" type="date" value={f.from ?? ''} />
        </div>
        <div>
          <label for="a-to">To (UTC date)</label>
          <input id="a-to" name="to" type="date" value={f.to ?? ''} />
        </div>
        <div class="filter-submit">
          <button type="submit">Apply filters</button>
        </div>
      </form>
      <p>{`${props.total} events`}</p>
      <table class="responsive">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Reason and detail</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              <td>
                <Time value={row.at} />
              </td>
              <td>
                {props.names.get(row.actor)
                  ? `${props.names.get(row.actor)} (${row.actor})`
                  : row.actor}
              </td>
              <td>{row.action}</td>
              <td>
                {row.targetType === 'review_task' && row.targetId ? (
                  <a href={`/tasks/${encodeURIComponent(row.targetId)}`}>{row.targetId}</a>
                ) : (
                  [row.targetType, row.targetId].filter(Boolean).join(' ')
                )}
              </td>
              <td>{row.outcome}</td>
              <td class="comment">
                {row.reason ?? ''}
                {row.detail ? <code class="detail">{JSON.stringify(row.detail)}</code> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        page={props.page}
        pageCount={Math.ceil(props.total / props.pageSize)}
        href={(page) => urlWith('/admin/audit', { ...f, page })}
      />
    </>
  );
}

export function SessionsPage(props: {
  rows: SessionRow[];
  total: number;
  page: number;
  pageSize: number;
  idleMinutes: number;
  csrfToken: string;
  currentSessionId: number;
  message?: { kind: 'ok' | 'error'; text: string };
}) {
  return (
    <>
      <h1>Sessions</h1>
      {props.message ? (
        <Notice kind={props.message.kind} focus>
          {props.message.text}
        </Notice>
      ) : null}
      <p class="muted">{`Signed-in browsers. A session ends after ${props.idleMinutes} minutes without a request, 12 hours after sign-in, at sign-out, or when revoked here.`}</p>
      <table class="responsive">
        <thead>
          <tr>
            <th scope="col">Identity</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last request</th>
            <th scope="col">Method</th>
            <th scope="col">Address and browser</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              <td>
                {row.displayName} <span class="muted">{row.email ?? ''}</span>
              </td>
              <td>
                <Time value={row.createdAt} />
              </td>
              <td>
                <Time value={row.lastSeenAt} />
              </td>
              <td>{row.signInMethod === 'dev' ? 'development sign-in' : 'email link'}</td>
              <td class="comment">{`${row.ipAddress ?? ''} ${row.userAgent ?? ''}`}</td>
              <td>
                <form method="post" action={`/admin/sessions/${row.id}/revoke`}>
                  <CsrfField token={props.csrfToken} />
                  <button type="submit" class="danger">
                    {row.id === props.currentSessionId ? 'Revoke (this is you)' : 'Revoke'}
                    <span class="visually-hidden">{` the session of ${row.displayName}`}</span>
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pagination
        page={props.page}
        pageCount={Math.ceil(props.total / props.pageSize)}
        href={(page) => urlWith('/admin/sessions', { page })}
      />
    </>
  );
}

export function RolesPage(props: {
  holders: RoleHolder[];
  csrfToken: string;
  query: string;
  results: IdentityChoice[];
  message?: { kind: 'ok' | 'error'; text: string };
}) {
  return (
    <>
      <h1>Roles</h1>
      {props.message ? (
        <Notice kind={props.message.kind} focus>
          {props.message.text}
        </Notice>
      ) : null}
      <p class="muted">
        Every identity can review the tasks assigned to it. Campaign admins also see every task and
        reassign; super admins also repair tasks and open the admin pages. Roles from
        RECERT_SUPER_ADMINS and RECERT_CAMPAIGN_ADMINS are changed in the configuration.
      </p>
      <table class="responsive">
        <thead>
          <tr>
            <th scope="col">Identity</th>
            <th scope="col">Role</th>
            <th scope="col">Source</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.holders.map((holder) => (
            <tr>
              <td>
                {holder.displayName} <span class="muted">{holder.email ?? ''}</span>
              </td>
              <td>{roleLabel(holder.role)}</td>
              <td>
                {holder.source === 'configuration' ? (
                  'configuration'
                ) : (
                  <>
                    {`granted by ${holder.grantedBy ?? ''} `}
                    <Time value={holder.grantedAt} />
                  </>
                )}
              </td>
              <td>
                {holder.source === 'assigned' ? (
                  <form method="post" action="/admin/roles/revoke">
                    <CsrfField token={props.csrfToken} />
                    <input type="hidden" name="identityId" value={String(holder.identityId)} />
                    <input type="hidden" name="role" value={holder.role} />
                    <button type="submit" class="danger">
                      Remove role
                      <span class="visually-hidden">{` ${roleLabel(holder.role)} from ${holder.displayName}`}</span>
                    </button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Give a role</h2>
      <form method="get" action="/admin/roles" role="search" class="inline">
        <label for="role-query">Find an identity by name or email</label>
        <input id="role-query" name="q" type="search" value={props.query} />
        <button type="submit">Search</button>
      </form>
      {props.results.length ? (
        <form method="post" action="/admin/roles" class="stack">
          <CsrfField token={props.csrfToken} />
          <fieldset>
            <legend>Identity</legend>
            {props.results.map((identity) => (
              <label class="choice">
                <input type="radio" name="identityId" value={String(identity.id)} required />
                {` ${identity.displayName}`}
                <span class="muted">{` ${identity.email ?? ''}`}</span>
              </label>
            ))}
          </fieldset>
          <label for="role-name">Role</label>
          <select id="role-name" name="role">
            <option value="campaign_admin">campaign admin</option>
            <option value="super_admin">super admin</option>
          </select>
          <button type="submit" class="primary">
            Give role
          </button>
        </form>
      ) : props.query ? (
        <p>No active identity matches.</p>
      ) : null}
    </>
  );
}
