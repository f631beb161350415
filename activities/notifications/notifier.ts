import type { MikroORM } from '@mikro-orm/postgresql';
import { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { Resend } from 'resend';
import type { NotificationConfig } from './config.js';

/** One message to one identity; the notifier sends it by email and/or Slack. */
export interface OutgoingMessage {
  /** Business key; the same key is stored and sent once, however often the activity retries. */
  idempotencyKey: string;
  recipientIdentityId: number;
  recipientEmail: string;
  subject: string;
  text: string;
}

export interface DeliveryResult {
  channel: 'email' | 'slack';
  provider: 'outbox' | 'resend' | 'slack';
  /** False when an earlier attempt already delivered this message. */
  sentNow: boolean;
}

/** Raised when a provider rejects a message; the activity retries it. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/**
 * Stores every message in `outbox_message`, then delivers it through Resend and Slack when
 * they are configured. Without credentials the outbox row is the delivery (the embedded
 * default, shown on a developer page). Logs name the recipient and subject only: message
 * bodies carry task links, which must not reach logs.
 */
export class Notifier {
  private readonly resend?: Resend;
  private readonly slack?: WebClient;

  constructor(
    private readonly orm: MikroORM,
    private readonly config: NotificationConfig,
    private readonly log: Logger,
  ) {
    if (config.resend)
      this.resend = new Resend(config.resend.apiKey, { baseUrl: config.resend.baseUrl });
    if (config.slack) {
      this.slack = new WebClient(config.slack.token, {
        ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
        // The activity's own retry policy retries; the SDK must not retry behind its back.
        retryConfig: { retries: 0 },
      });
    }
  }

  get publicUrl(): string {
    return this.config.publicUrl;
  }

  async send(message: OutgoingMessage): Promise<DeliveryResult[]> {
    const channels: DeliveryResult['channel'][] = [];
    if (this.resend || !this.slack) channels.push('email');
    if (this.slack) channels.push('slack');
    const results: DeliveryResult[] = [];
    for (const channel of channels) results.push(await this.sendOn(channel, message));
    return results;
  }

  private async sendOn(
    channel: 'email' | 'slack',
    message: OutgoingMessage,
  ): Promise<DeliveryResult> {
    const provider = channel === 'slack' ? 'slack' : this.resend ? 'resend' : 'outbox';
    const key = `${message.idempotencyKey}:${channel}`;
    const db = this.orm.em.fork().getConnection();
    await db.execute(
      `insert into outbox_message (idempotency_key, channel, recipient, recipient_identity_id, subject, body, provider)
       values (?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing`,
      [
        key,
        channel,
        message.recipientEmail,
        message.recipientIdentityId,
        message.subject,
        message.text,
        provider,
      ],
    );
    const [row] = await db.execute<{ id: number; delivered_at: Date | null }[]>(
      'select id, delivered_at from outbox_message where idempotency_key = ?',
      [key],
    );
    if (row?.delivered_at) return { channel, provider, sentNow: false };

    let providerMessageId: string | null = null;
    try {
      if (provider === 'resend') providerMessageId = await this.sendEmail(message, key);
      if (provider === 'slack') providerMessageId = await this.sendSlack(message);
    } catch (error) {
      await db.execute('update outbox_message set error = ? where id = ?', [
        (error as Error).message,
        row!.id,
      ]);
      this.log.warn(
        {
          recipient: message.recipientEmail,
          subject: message.subject,
          provider,
          err: (error as Error).message,
        },
        'notification delivery failed; will retry',
      );
      throw error;
    }
    await db.execute(
      'update outbox_message set delivered_at = now(), provider_message_id = ?, error = null where id = ?',
      [providerMessageId, row!.id],
    );
    this.log.info(
      { recipient: message.recipientEmail, subject: message.subject, provider },
      'notification sent',
    );
    return { channel, provider, sentNow: true };
  }

  private async sendEmail(message: OutgoingMessage, key: string): Promise<string | null> {
    const { data, error } = await this.resend!.emails.send(
      {
        from: this.config.resend!.from,
        to: message.recipientEmail,
        subject: message.subject,
        text: message.text,
      },
      { idempotencyKey: key },
    );
    if (error) throw new DeliveryError(`Resend rejected the email: ${error.message}`);
    return data?.id ?? null;
  }

  private async sendSlack(message: OutgoingMessage): Promise<string | null> {
    const user = await this.slack!.users.lookupByEmail({ email: message.recipientEmail });
    const userId = user.user?.id;
    if (!userId) throw new DeliveryError(`No Slack user has the email ${message.recipientEmail}.`);
    const posted = await this.slack!.chat.postMessage({
      channel: userId,
      text: `*${message.subject}*\n${message.text}`,
    });
    return posted.ts ?? null;
  }
}
