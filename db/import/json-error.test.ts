import { describe, expect, it } from 'vitest';
import { describeJsonError } from './json-error.js';

const failure = (source: string) => {
  try {
    JSON.parse(source);
  } catch (error) {
    return describeJsonError(source, error);
  }
  throw new Error('expected the JSON to be invalid, but it parsed');
};

describe('describeJsonError', () => {
  it('names the line where a truncated file ends', () => {
    expect(failure('{\n  "Resources": [\n    {"id": 1},')).toBe(
      'the JSON ends early, at line 3 column 15, so the file is probably cut short',
    );
  });

  it('turns a character position into a line and column', () => {
    const message = failure('{\n  "a": 1,\n  b: 2\n}');
    expect(message).toContain('at line 3 column 3');
    expect(message).not.toContain('position');
  });
});
