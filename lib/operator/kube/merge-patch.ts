/**
 * RFC 7386 JSON merge patch, applied locally: what the API server does to an object for a PATCH with
 * Content-Type application/merge-patch+json. Objects merge key by key, `null` deletes a key, anything
 * else (arrays included) replaces. The status write path uses it to send a conditional PUT that means
 * exactly what its merge PATCH meant, without the server encoding the live object to merge into it.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (value !== undefined) result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
