/**
 * Describes a `JSON.parse` failure by line and column, which an editor can jump to. Node
 * reports a character offset ("at position 300") for some errors and no place at all when the
 * text ends early.
 */
export function describeJsonError(source: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Unexpected end of JSON input/i.test(message)) {
    const lines = source.split('\n');
    return `the JSON ends early, at line ${lines.length} column ${lines.at(-1)!.length + 1}, so the file is probably cut short`;
  }
  const offset = /at position (\d+)/.exec(message)?.[1];
  if (offset === undefined) return message.replace(/\s+/g, ' ').slice(0, 200);
  const before = source.slice(0, Number(offset)).split('\n');
  const where = `line ${before.length} column ${before.at(-1)!.length + 1}`;
  return `${message.replace(/\s*(in JSON )?at position \d+.*$/, '')} at ${where}`;
}
