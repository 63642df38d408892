import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ShardRef } from '../operator/datanode/protocol';
import type { StoredCopy } from './copy';

/** What survives a restart of one copy: its identity, definition, data volume and whether it failed. */
export interface PersistedCopy {
  readonly shard: ShardRef;
  readonly createdAt: string;
  readonly settingsJson: string;
  readonly mappingsJson: string;
  readonly settingsGeneration: number;
  readonly docsCount: number;
  readonly failureReason?: string;
}

interface DataFile {
  readonly version: 1;
  readonly node: string;
  readonly copies: readonly PersistedCopy[];
}

const FILE = 'shards.json';

/**
 * The sim's data directory (`--data-dir`): the copies it holds, as a pod's volume would keep them.
 * Written whole on every change (to a temporary file, then renamed, so a crash leaves the old or
 * the new file, never half of one) before the call that changed it answers.
 */
export class DataDir {
  private readonly file: string;

  constructor(
    readonly dir: string,
    private readonly node: string,
  ) {
    this.file = path.join(dir, FILE);
  }

  /**
   * The copies stored, or none for a new (empty) directory. Creates the directory.
   * @throws Error when the directory belongs to another node or the file is unreadable.
   */
  load(): PersistedCopy[] {
    fs.mkdirSync(this.dir, { recursive: true });
    if (!fs.existsSync(this.file)) return [];
    let data: DataFile;
    try {
      data = JSON.parse(fs.readFileSync(this.file, 'utf8')) as DataFile;
    } catch (err) {
      throw new Error(`Unable to read data directory ${this.dir}: ${FILE} is not valid JSON (${(err as Error).message}). Restore it or start with an empty directory.`, { cause: err });
    }
    if (data.node !== this.node) {
      // A real node refuses another node's data: two nodes would claim the same copies.
      throw new Error(`Unable to use data directory ${this.dir}: it holds the data of node ${data.node}, not ${this.node}. Give each node its own --data-dir.`);
    }
    return [...data.copies];
  }

  save(copies: readonly PersistedCopy[]): void {
    const data: DataFile = { version: 1, node: this.node, copies };
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(data));
    fs.renameSync(tmp, this.file);
  }
}

/** What of `copy` survives a restart, with its documents counted at save time. */
export function toPersisted(copy: StoredCopy, docsCount: number): PersistedCopy {
  return {
    shard: copy.shard, createdAt: copy.createdAt.toISOString(), settingsJson: copy.settingsJson, mappingsJson: copy.mappingsJson,
    settingsGeneration: copy.settingsGeneration, docsCount, failureReason: copy.failureReason,
  };
}

/** A stored copy re-opened at `nowMs`, starting at `startsAtMs` (a restarted node opens its shards again). */
export function fromPersisted(p: PersistedCopy, nowMs: number, startsAtMs: number): StoredCopy {
  return {
    shard: p.shard, createdAt: new Date(p.createdAt), settingsJson: p.settingsJson, mappingsJson: p.mappingsJson,
    settingsGeneration: p.settingsGeneration, failureReason: p.failureReason, docs: p.docsCount, docsAtMs: nowMs, startsAtMs,
  };
}
