/**
 * Error for a visibility query that Temporal rejects, with Temporal's reason in the message.
 * It lives apart from the batch actions so the CLI can catch it without loading them at start.
 */
export class InvalidQueryError extends Error {
  override name = 'InvalidQueryError';
}
