/** The message of anything thrown (Errors carry one; anything else is stringified). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * For the `default` branch of a switch over a union: tsc fails when a member has no case, and at run
 * time a value no case knows (e.g. from a newer writer) fails loudly instead of being skipped.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
