/**
 * One temporary directory per jest run, removed at its end: every os.tmpdir() of the run (test files,
 * cdk8s's Testing.app outdirs, TLS files, chart values, the operator's and sims' logs, the Pulumi and
 * helm homes) and of the processes it starts (TMPDIR is inherited) lands inside it. Before, each run
 * left a few hundred directories in /tmp, some with test private keys: 7,000 after a day of runs here.
 * Logs a failing test needs are printed into its failure message, not read from here afterwards.
 * QUIDDITCH_KEEP_TMP=1 (or QUIDDITCH_KEEP_CONTROL_PLANE=1) keeps it, and the run says where.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUN_TMPDIR_ENV = 'QUIDDITCH_RUN_TMPDIR';
/** TMPDIR before the run ('' when unset), put back at its end: `jest --watch` runs again in the same process. */
const SAVED_TMPDIR_ENV = 'QUIDDITCH_RUN_SAVED_TMPDIR';

const keep = () => process.env.QUIDDITCH_KEEP_TMP === '1' || process.env.QUIDDITCH_KEEP_CONTROL_PLANE === '1';

/** Points TMPDIR at a new directory for this run (once: later calls keep the first). Returns it. */
export function useRunTmpdir(): string {
  const existing = process.env[RUN_TMPDIR_ENV];
  if (existing) return existing;
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'quidditch-run-'));
  process.env[SAVED_TMPDIR_ENV] = process.env.TMPDIR ?? '';
  process.env[RUN_TMPDIR_ENV] = dir;
  process.env.TMPDIR = dir;
  return dir;
}

/** Removes the run's directory, unless asked to keep it. */
export function removeRunTmpdir(): void {
  const dir = process.env[RUN_TMPDIR_ENV];
  if (!dir) return;
  const saved = process.env[SAVED_TMPDIR_ENV];
  if (saved) process.env.TMPDIR = saved;
  else delete process.env.TMPDIR;
  delete process.env[RUN_TMPDIR_ENV];
  delete process.env[SAVED_TMPDIR_ENV];
  if (keep()) {
    process.stderr.write(`\n[tmp] kept this run's temporary files in ${dir}\n`);
    return;
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
