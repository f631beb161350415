import type { EntityManager } from '@mikro-orm/postgresql';
import type { Notifier } from '../../activities/notifications/notifier.js';
import { hashToken, newToken } from './tokens.js';

/** How long an emailed sign-in link works. */
export const LINK_LIFETIME_MINUTES = 15;
/** Cookie that binds a sign-in link to the browser that asked for it. */
export const NONCE_COOKIE = 'recert_sign_in_nonce';

/**
 * Emails a sign-in link to the active identity with this email, if there is one. The link
 * works once, for LINK_LIFETIME_MINUTES, and only with `nonce` (the caller's cookie).
 * Returns the identity id the link went to, or undefined. Callers respond the same either
 * way, so the page does not reveal who has an account.
 */
export async function sendSignInLink(
  em: EntityManager,
  notifier: Notifier,
  input: { email: string; nonce: string; publicUrl: string; ipAddress?: string },
): Promise<number | undefined> {
  const connection = em.getConnection();
  const [identity] = await connection.execute<{ id: number; email: string }[]>(
    `select id, email from identity
      where lower(email) = lower(?) and employment_status <> 'terminated'
      order by id limit 1`,
    [input.email.trim()],
  );
  if (!identity) return undefined;

  const token = newToken();
  const [row] = await connection.execute<{ id: number }[]>(
    `insert into login_token (token_hash, nonce_hash, identity_id, expires_at, requested_ip)
     values (?, ?, ?, now() + make_interval(mins => ?), ?) returning id`,
    [
      hashToken(token),
      hashToken(input.nonce),
      identity.id,
      LINK_LIFETIME_MINUTES,
      input.ipAddress?.slice(0, 100) ?? null,
    ],
  );
  const link = `${input.publicUrl.replace(/\/$/, '')}/login/verify?token=${token}`;
  // The notifier logs recipient and subject only; the link is in the body, never in a log.
  await notifier.send({
    idempotencyKey: `sign-in:${row!.id}`,
    recipientIdentityId: identity.id,
    recipientEmail: identity.email,
    subject: 'Your Recert sign-in link',
    text: [
      `Open this link within ${LINK_LIFETIME_MINUTES} minutes to sign in to Recert:`,
      link,
      '',
      'It works once, and only in the browser where you asked for it.',
      'If you did not ask to sign in, ignore this message.',
    ].join('\n'),
  });
  return identity.id;
}

/** Reason a sign-in link was not accepted, for the audit log. */
export type LinkProblem = 'unknown' | 'used' | 'expired' | 'other_browser';

/**
 * Accepts a sign-in link: marks it used and returns its identity. A link opened in another
 * browser (wrong or missing nonce) is not used up, so a mail scanner that follows links
 * cannot spend it.
 */
export async function redeemSignInLink(
  em: EntityManager,
  token: string,
  nonce: string | undefined,
): Promise<{ ok: true; identityId: number } | { ok: false; problem: LinkProblem }> {
  const connection = em.getConnection();
  const tokenHash = hashToken(token);
  if (nonce) {
    // One statement, so two requests with the same link cannot both succeed.
    const [used] = await connection.execute<{ identity_id: number }[]>(
      `update login_token set used_at = now()
        where token_hash = ? and nonce_hash = ? and used_at is null and expires_at > now()
        returning identity_id`,
      [tokenHash, hashToken(nonce)],
    );
    if (used) return { ok: true, identityId: used.identity_id };
  }
  const [row] = await connection.execute<
    { used_at: Date | null; expired: boolean; nonce_hash: string }[]
  >(
    'select used_at, expires_at <= now() as expired, nonce_hash from login_token where token_hash = ?',
    [tokenHash],
  );
  if (!row) return { ok: false, problem: 'unknown' };
  if (row.used_at) return { ok: false, problem: 'used' };
  if (row.expired) return { ok: false, problem: 'expired' };
  return { ok: false, problem: 'other_browser' };
}
