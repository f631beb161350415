import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Holds workflow starts back while too many started tasks have not opened yet (no projection
 * row). Starting far ahead of the worker only queues first workflow tasks. With more queued
 * tasks than `maxCachedWorkflows`, each task is evicted between its first and second workflow
 * task and must be replayed, which makes the whole launch slower.
 */
export class OpenGate {
  private issued: number;
  private opened: number;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly countOpened: () => Promise<number>,
    /** Started but unopened tasks allowed at once. */
    private readonly maxUnopened: number,
    /** Tasks issued before this gate existed (rows up to the launch cursor). */
    issuedBefore: number,
    openedBefore: number,
    private readonly onWait: () => void,
    private readonly signal?: AbortSignal,
  ) {
    this.issued = issuedBefore;
    this.opened = openedBefore;
  }

  /** Waits for room, then counts one more task as issued. */
  async admit(): Promise<void> {
    while (this.issued - this.opened >= this.maxUnopened) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    this.issued += 1;
  }

  private async refresh() {
    await sleep(100, undefined, { signal: this.signal });
    this.opened = await this.countOpened();
    this.onWait();
  }
}
