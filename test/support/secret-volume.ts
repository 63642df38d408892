import { existsSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Secret volume as the kubelet writes it (its AtomicWriter): every file into a new `..<n>`
 * directory, then one swap of the `..data` symlink, so a reader never sees a new certificate with an
 * old key. The files the pod reads are symlinks through `..data`.
 */
export class SecretVolume {
  private generation = 0;

  constructor(private readonly dir: string) {}

  write(files: Readonly<Record<string, string>>): void {
    const version = `..${++this.generation}`;
    mkdirSync(join(this.dir, version));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(this.dir, version, file), content);
    symlinkSync(version, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const file of Object.keys(files)) if (!existsSync(join(this.dir, file))) symlinkSync(join('..data', file), join(this.dir, file));
  }
}
