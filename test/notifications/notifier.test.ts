import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadNotificationConfig } from '../../activities/notifications/config.js';
import { Notifier } from '../../activities/notifications/notifier.js';
import { notifyTask } from '../../activities/notifications/task-messages.js';
import { useTestDatabase } from '../support/database.js';
import { useFakeProviders } from '../support/fake-providers.js';
import { seedOrganisation } from '../support/fixtures.js';

const db = useTestDatabase();
const fake = useFakeProviders();

function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

function notifier(env: NodeJS.ProcessEnv, log = capturingLogger().log) {
  return new Notifier(
    db.orm,
    loadNotificationConfig({ RECERT_PUBLIC_URL: 'https://recert.example.test', ...env }),
    log,
  );
}

describe('notifier', () => {
  it('sends email through the Resend SDK with an idempotency key', async () => {
    const org = await seedOrganisation(db.orm);
    const { log, lines } = capturingLogger();
    const sender = notifier(
      {
        RESEND_API_KEY: 're_test',
        RESEND_BASE_URL: fake.resendUrl,
        RECERT_EMAIL_FROM: 'Recert <recert@example.test>',
      },
      log,
    );
    const sent = await notifyTask(db.orm.em.fork(), sender, {
      taskId: 'task-resend-1',
      event: 'assigned',
      recipientIds: [org.ids.manager],
      subject: org.subject,
      campaignName: 'Q4',
      eventSeq: 2,
    });
    expect(sent).toBe(1);
    const request = fake.requests.find(
      (r) => r.path === '/resend/emails' && r.body.includes(org.emails.manager),
    );
    expect(request?.headers.authorization).toBe('Bearer re_test');
    expect(request?.headers['idempotency-key']).toBe(
      `task:task-resend-1:assigned:2:${org.ids.manager}:email`,
    );
    const body = JSON.parse(request!.body);
    expect(body).toMatchObject({ from: 'Recert <recert@example.test>', to: org.emails.manager });
    expect(body.text).toContain('https://recert.example.test/tasks/task-resend-1');

    // The log names recipient and subject, never the link.
    const logged = lines.join('\n');
    expect(logged).toContain(org.emails.manager);
    expect(logged).not.toContain('https://recert.example.test/tasks');
  });

  it('sends once however often it is retried', async () => {
    const org = await seedOrganisation(db.orm);
    const sender = notifier({ RESEND_API_KEY: 're_test', RESEND_BASE_URL: fake.resendUrl });
    const input = {
      taskId: 'task-resend-2',
      event: 'assigned' as const,
      recipientIds: [org.ids.manager],
      subject: org.subject,
      campaignName: '',
      eventSeq: 5,
    };
    expect(await notifyTask(db.orm.em.fork(), sender, input)).toBe(1);
    expect(await notifyTask(db.orm.em.fork(), sender, input)).toBe(0);
    expect(
      fake.requests.filter((r) => r.path === '/resend/emails' && r.body.includes('task-resend-2')),
    ).toHaveLength(1);
  });

  it('keeps a failed email in the outbox and delivers it on retry', async () => {
    const org = await seedOrganisation(db.orm);
    const sender = notifier({ RESEND_API_KEY: 're_test', RESEND_BASE_URL: fake.resendUrl });
    const input = {
      taskId: 'task-resend-3',
      event: 'assigned' as const,
      recipientIds: [org.ids.manager],
      subject: org.subject,
      campaignName: '',
      eventSeq: 1,
    };
    fake.failResend(1);
    await expect(notifyTask(db.orm.em.fork(), sender, input)).rejects.toThrow(
      'Resend rejected the email',
    );
    const [failed] = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ delivered_at: Date | null; error: string }[]>(
        `select delivered_at, error from outbox_message where idempotency_key like 'task:task-resend-3:%'`,
      );
    expect(failed?.delivered_at).toBeNull();
    expect(failed?.error).toContain('try again');
    expect(await notifyTask(db.orm.em.fork(), sender, input)).toBe(1);
  });

  it('sends a Slack direct message through the Web API', async () => {
    const org = await seedOrganisation(db.orm);
    fake.slackUsers.set(org.emails.manager, 'U123MANAGER');
    const sender = notifier({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_API_URL: fake.slackUrl });
    await notifyTask(db.orm.em.fork(), sender, {
      taskId: 'task-slack-1',
      event: 'assigned',
      recipientIds: [org.ids.manager],
      subject: org.subject,
      campaignName: 'Q4',
      eventSeq: 2,
    });
    const post = fake.requests.find(
      (r) => r.path === '/slack/api/chat.postMessage' && r.body.includes('U123MANAGER'),
    );
    expect(post?.headers.authorization).toBe('Bearer xoxb-test');
    expect(new URLSearchParams(post!.body).get('text')).toContain(
      'https://recert.example.test/tasks/task-slack-1',
    );
  });

  it('stores messages in the outbox when no provider is configured', async () => {
    const org = await seedOrganisation(db.orm);
    const before = fake.requests.length;
    await notifyTask(db.orm.em.fork(), notifier({}), {
      taskId: 'task-outbox-1',
      event: 'assigned',
      recipientIds: [org.ids.manager],
      subject: org.subject,
      campaignName: '',
      eventSeq: 1,
    });
    expect(fake.requests.length).toBe(before);
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ provider: string; recipient: string }[]>(
        `select provider, recipient from outbox_message where idempotency_key like 'task:task-outbox-1:%'`,
      );
    expect(rows).toEqual([{ provider: 'outbox', recipient: org.emails.manager }]);
  });
});
