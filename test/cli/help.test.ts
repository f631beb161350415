import { describe, expect, it } from 'vitest';
import { recert } from '../support/cli.js';

describe('recert help', () => {
  it.each(['campaign', 'policy', 'tasks', 'projections', 'replay', 'import'])(
    'prints %s usage and exits 0',
    { timeout: 60_000 },
    async (command) => {
      const result = await recert([command, '--help'], {});
      expect(result.stderr).not.toContain('Unknown');
      expect(result.stdout).toContain('Usage');
      expect(result.code).toBe(0);
    },
  );

  it('exits 2 without a subcommand', { timeout: 60_000 }, async () => {
    const result = await recert(['campaign'], {});
    expect(result.stdout).toContain('Usage');
    expect(result.code).toBe(2);
  });
});
