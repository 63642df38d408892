import type { QuidditchIndex } from '../../api/v1';
import type { IndexContent } from './shard-operations';

/** Pure: the settings and mappings a copy of the index is created with, as the data-node contract carries them (JSON). */
export function indexContent(index: Pick<QuidditchIndex, 'spec' | 'metadata'>): IndexContent {
  return {
    settingsJson: JSON.stringify(index.spec.settings ?? {}),
    mappingsJson: JSON.stringify(index.spec.mappings ?? {}),
    generation: index.metadata.generation ?? 0,
  };
}

/** Largest spec.settings as JSON that copies are created with. */
export const MAX_SETTINGS_BYTES = 65_536;

/**
 * Pure: what the API server's schema cannot check in spec.settings (its values are free-form there):
 * every leaf is a string, number or boolean (nested objects of them allowed, no arrays of objects,
 * no null), and the whole is at most INDEX_LIMITS.maxSettingsBytes as JSON. Returns every problem,
 * each naming the field; empty when valid.
 */
export function settingsProblems(settings: unknown): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return;
    if (Array.isArray(value)) {
      // Lists of plain values are real settings (e.g. an analyzer's filter list).
      value.forEach((v, i) => {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') problems.push(`${path}[${i}] must be a string, number or boolean`);
      });
      return;
    }
    if (value === null || typeof value !== 'object') {
      problems.push(`${path} must be a string, number, boolean or an object of them, got ${value === null ? 'null' : typeof value}`);
      return;
    }
    if (depth > 8) {
      problems.push(`${path} is nested more than 8 levels deep`);
      return;
    }
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, depth + 1);
  };
  if (settings === undefined) return problems;
  walk(settings, 'spec.settings', 0);
  const bytes = Buffer.byteLength(JSON.stringify(settings));
  if (bytes > MAX_SETTINGS_BYTES) problems.push(`spec.settings is ${bytes} bytes as JSON; at most ${MAX_SETTINGS_BYTES} are allowed`);
  return problems;
}
