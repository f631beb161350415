import { createHmac } from 'node:crypto';
import { fetchWithoutRedirects } from './safe-fetch.js';
import { isPermanentStatus, PermanentConnectorError, type Connector } from './types.js';

export interface WebhookConnectorConfig {
  name: string;
  url: string;
  /** Shared secret for the HMAC-SHA256 signature. */
  secret: string;
  allowlist: string[];
}

/** `sha256=<hex>` over `<timestamp>.<body>`, the value of the X-Recert-Signature header. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Asks another system to remove access with a signed POST. The receiver must deduplicate by
 * the Idempotency-Key header, which stays the same across retries of one revocation. Webhooks
 * cannot be read back, so verification reports that it cannot tell.
 */
export function createWebhookConnector(config: WebhookConnectorConfig): Connector {
  const url = new URL(config.url);
  return {
    name: config.name,
    async revoke(target, idempotencyKey) {
      const body = JSON.stringify({ action: 'revoke', idempotencyKey, ...target });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await fetchWithoutRedirects(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
            'x-recert-timestamp': timestamp,
            'x-recert-signature': signWebhook(config.secret, timestamp, body),
          },
          body,
        },
        config.allowlist,
      );
      if (response.status === 401 || response.status === 403) {
        throw new PermanentConnectorError(
          `Webhook ${url.host} rejected the signature of connector ${config.name} (${response.status}).`,
        );
      }
      if (!response.ok) {
        const message = `Webhook ${url.host} responded ${response.status}: ${(await response.text()).slice(0, 300)}`;
        throw isPermanentStatus(response.status)
          ? new PermanentConnectorError(
              `${message} Sending the same request again cannot succeed: fix the cause, then retry the removal.`,
            )
          : new Error(message);
      }
      return { detail: `Webhook ${url.host} accepted the revocation (${response.status})` };
    },
    async verify() {
      return { revoked: undefined, detail: 'Webhook connectors cannot read the target back.' };
    },
  };
}
