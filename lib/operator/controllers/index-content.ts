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
