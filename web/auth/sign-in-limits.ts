/**
 * Fixed-window counter per key, in memory. Each web server process counts on its own, so
 * behind a load balancer the effective limit is this one times the number of processes.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Counts one attempt for `key`; returns false when the key is over its limit. */
  take(key: string, now = Date.now()): boolean {
    if (this.windows.size > 10_000) this.prune(now);
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
      return true;
    }
    window.count += 1;
    return window.count <= this.limit;
  }

  private prune(now: number) {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

/** Limits on asking for sign-in links and on opening them. */
export interface SignInLimits {
  perIp: RateLimiter;
  perEmail: RateLimiter;
}

const FIFTEEN_MINUTES = 15 * 60_000;

/** 30 attempts per client address and 5 links per email address in 15 minutes. */
export function defaultSignInLimits(): SignInLimits {
  return {
    perIp: new RateLimiter(30, FIFTEEN_MINUTES),
    perEmail: new RateLimiter(5, FIFTEEN_MINUTES),
  };
}
