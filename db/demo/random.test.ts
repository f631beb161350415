import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random.js';

describe('SeededRandom', () => {
  it('repeats for the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(
      Array.from({ length: 5 }, () => b.next()),
    );
  });

  it('differs between seeds', () => {
    expect(new SeededRandom(1).next()).not.toBe(new SeededRandom(2).next());
  });

  it('stays within bounds', () => {
    const random = new SeededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const value = random.int(3, 5);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(5);
    }
  });
});
