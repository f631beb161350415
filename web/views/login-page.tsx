import { CsrfField, Notice } from './components.js';

export interface DevIdentity {
  id: number;
  displayName: string;
  email: string | null;
  department: string | null;
  roles: string[];
  /** Open review tasks assigned to this identity. */
  openReviews: number;
}

/** How many identities the development sign-in shows; the route reads one more. */
export const DEV_LIST_SHOWN = 50;

/** Renders the sign-in page: the email link form, and the development identity picker when on. */
export function LoginPage(props: {
  csrfToken: string;
  next: string;
  email?: string;
  message?: { kind: 'info' | 'error' | 'ok'; text: string };
  dev?: { query: string; identities: DevIdentity[] };
}) {
  return (
    <>
      <h1>Sign in</h1>
      {props.message ? (
        <Notice kind={props.message.kind} focus>
          {props.message.text}
        </Notice>
      ) : null}
      <section aria-labelledby="email-sign-in">
        <h2 id="email-sign-in">Email me a sign-in link</h2>
        <form method="post" action="/login/email" class="stack">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="next" value={props.next} />
          <label for="email">Work email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="email"
            required
            value={props.email ?? ''}
          />
          <p class="muted">The link works once, for 15 minutes, and only in this browser.</p>
          <button type="submit" class="primary">
            Send link
          </button>
        </form>
      </section>
      {props.dev ? (
        <DevSignIn csrfToken={props.csrfToken} next={props.next} {...props.dev} />
      ) : null}
    </>
  );
}

function DevSignIn(props: {
  csrfToken: string;
  next: string;
  query: string;
  identities: DevIdentity[];
}) {
  return (
    <section aria-labelledby="dev-sign-in">
      <h2 id="dev-sign-in">Development sign-in</h2>
      <p class="muted">
        RECERT_DEV_LOGIN is on, so anyone can sign in as any identity. Never turn it on in
        production.
      </p>
      <form method="get" action="/login" role="search" class="inline">
        <input type="hidden" name="next" value={props.next} />
        <label for="dev-query">Find an identity by name or email</label>
        <input id="dev-query" name="q" type="search" value={props.query} />
        <button type="submit">Search</button>
      </form>
      {props.identities.length === 0 ? (
        <p>No active identity matches.</p>
      ) : (
        <form method="post" action="/login/dev">
          <CsrfField token={props.csrfToken} />
          <input type="hidden" name="next" value={props.next} />
          {props.identities.length > DEV_LIST_SHOWN ? (
            <p class="muted">
              {`Showing the first ${DEV_LIST_SHOWN}: administrators, then the people with the most open reviews. Search to find anyone else.`}
            </p>
          ) : null}
          <ul class="identity-picker">
            {props.identities.slice(0, DEV_LIST_SHOWN).map((identity) => (
              <li>
                <button type="submit" name="identityId" value={String(identity.id)}>
                  {`Sign in as ${identity.displayName}`}
                </button>{' '}
                <span class="muted">
                  {[
                    identity.email,
                    identity.department,
                    ...identity.roles.map(roleLabel),
                    identity.openReviews
                      ? `${identity.openReviews} open review${identity.openReviews === 1 ? '' : 's'}`
                      : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </li>
            ))}
          </ul>
        </form>
      )}
    </section>
  );
}

export function roleLabel(role: string): string {
  return role === 'super_admin'
    ? 'super admin'
    : role === 'campaign_admin'
      ? 'campaign admin'
      : role;
}

/** Shown when a sign-in link is not accepted. */
export function LinkRejectedPage(props: { text: string }) {
  return (
    <>
      <h1>Sign-in link not accepted</h1>
      <Notice kind="error" focus>
        {props.text}
      </Notice>
      <p>
        <a href="/login">Ask for a new link</a>
      </p>
    </>
  );
}
