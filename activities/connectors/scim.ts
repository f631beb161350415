import { fetchWithoutRedirects } from './safe-fetch.js';
import {
  isPermanentStatus,
  PermanentConnectorError,
  type Connector,
  type RevocationTarget,
} from './types.js';

export interface ScimConnectorConfig {
  name: string;
  /** SCIM service base URL, for example https://scim.example.com/scim/v2 */
  baseUrl: string;
  token: string;
  allowlist: string[];
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Removes a user from a SCIM 2.0 group with PATCH (RFC 7644 section 3.5.2.2) and verifies by
 * reading the group back. Removing a member who is already gone is a no-op in SCIM, so a
 * retry cannot remove twice; the Idempotency-Key header lets the server deduplicate too.
 */
export function createScimConnector(config: ScimConnectorConfig): Connector {
  const base = config.baseUrl.replace(/\/$/, '');
  const groupUrl = (target: RevocationTarget) =>
    new URL(
      `${base}/Groups/${encodeURIComponent(target.resourceParentExternalId ?? target.resourceExternalId)}`,
    );
  const headers = {
    authorization: `Bearer ${config.token}`,
    'content-type': 'application/scim+json',
    accept: 'application/scim+json',
  };

  return {
    name: config.name,
    async revoke(target, idempotencyKey) {
      const url = groupUrl(target);
      const body = {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'remove',
            path: `members[value eq "${target.accountExternalId.replace(/"/g, '\\"')}"]`,
          },
        ],
      };
      const response = await fetchWithoutRedirects(
        url,
        {
          method: 'PATCH',
          headers: { ...headers, 'idempotency-key': idempotencyKey },
          body: JSON.stringify(body),
        },
        config.allowlist,
      );
      if (response.status === 404) {
        throw new PermanentConnectorError(`SCIM group ${url.pathname} does not exist (404).`);
      }
      if (response.status === 401 || response.status === 403) {
        throw new PermanentConnectorError(
          `SCIM server refused the credentials of connector ${config.name} (${response.status}).`,
        );
      }
      if (!response.ok) {
        const message = `SCIM PATCH ${url.pathname} failed with ${response.status}: ${(await response.text()).slice(0, 300)}`;
        throw isPermanentStatus(response.status)
          ? new PermanentConnectorError(
              `${message} Sending the same request again cannot succeed: fix the cause, then retry the removal.`,
            )
          : new Error(message);
      }
      return {
        detail: `SCIM PATCH removed member ${target.accountExternalId} from group ${url.pathname} (${response.status})`,
      };
    },
    async verify(target) {
      const url = groupUrl(target);
      const response = await fetchWithoutRedirects(
        url,
        { method: 'GET', headers },
        config.allowlist,
      );
      if (!response.ok)
        return {
          revoked: undefined,
          detail: `SCIM GET ${url.pathname} answered ${response.status}`,
        };
      const group = (await response.json()) as { members?: { value?: string }[] };
      const stillMember = (group.members ?? []).some(
        (member) => member.value === target.accountExternalId,
      );
      return {
        revoked: !stillMember,
        detail: stillMember
          ? `${target.accountExternalId} is still a member of ${url.pathname}`
          : `${target.accountExternalId} is no longer a member of ${url.pathname}`,
      };
    },
  };
}
