/** What a connector needs to find the access to remove in the target system. */
export interface RevocationTarget {
  taskId: string;
  applicationKey: string;
  /** The resource's id in the target, for example a SCIM group id. */
  resourceExternalId: string;
  /** The parent object's id, when the resource is one entitlement of a larger object. */
  resourceParentExternalId?: string | null;
  /** The account's id in the target, for example a SCIM user id. */
  accountExternalId: string;
  accountName: string;
  resourceName: string;
}

export interface RevocationOutcome {
  /** What the target reported, for the task log. */
  detail: string;
}

export interface VerificationOutcome {
  /** true: the access is gone; false: it is still there; undefined: the connector cannot tell. */
  revoked: boolean | undefined;
  detail: string;
}

/** A way to remove one grant from a target system. */
export interface Connector {
  readonly name: string;
  /**
   * Removes the access. Retried by the activity on failure, so it carries `idempotencyKey`
   * and must be safe to repeat.
   */
  revoke(target: RevocationTarget, idempotencyKey: string): Promise<RevocationOutcome>;
  /** Re-reads the target to confirm removal. */
  verify(target: RevocationTarget): Promise<VerificationOutcome>;
}

/** A failure that retrying cannot fix (bad configuration, target outside the allowlist). */
export class PermanentConnectorError extends Error {
  override name = 'PermanentConnectorError';
}

/**
 * Reports whether a target's HTTP status means the request itself is wrong, so retrying it
 * cannot succeed: any 4xx except timeouts (408), "too early" (425) and rate limits (429).
 */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status);
}
