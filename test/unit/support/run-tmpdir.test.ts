import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { removeRunTmpdir, useRunTmpdir } from '../../support/run-tmpdir';

// This worker already runs inside a run directory (the global setup's): set it aside for each test.
// (In jest's sandbox process.env is a copy, which os.tmpdir() does not read: checked on process.env.)
const NAMES = ['TMPDIR', 'QUIDDITCH_RUN_TMPDIR', 'QUIDDITCH_RUN_SAVED_TMPDIR', 'QUIDDITCH_KEEP_TMP', 'QUIDDITCH_KEEP_CONTROL_PLANE'];
let saved: Record<string, string | undefined>;
let base: string;

beforeEach(() => {
  saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  base = mkdtempSync(join(tmpdir(), 'run-tmpdir-test-'));
  for (const n of NAMES) delete process.env[n];
  process.env.TMPDIR = base;
});

afterEach(() => {
  for (const n of NAMES) {
    if (saved[n] === undefined) delete process.env[n];
    else process.env[n] = saved[n];
  }
  rmSync(base, { recursive: true, force: true });
});

describe('the run\'s temporary directory', () => {
  it('is made once under TMPDIR, becomes TMPDIR, and is removed with what it holds, TMPDIR restored', () => {
    const dir = useRunTmpdir();
    expect(dirname(dir)).toBe(base);
    expect(process.env.TMPDIR).toBe(dir);
    expect(useRunTmpdir()).toBe(dir);
    writeFileSync(join(mkdtempSync(join(dir, 'quidditch-tls-')), 'tls.key'), 'k');
    removeRunTmpdir();
    expect(existsSync(dir)).toBe(false);
    expect(process.env.TMPDIR).toBe(base);
    // A second run in the same process (jest --watch) gets a new one.
    const next = useRunTmpdir();
    expect(next).not.toBe(dir);
    removeRunTmpdir();
  });

  it('is kept with QUIDDITCH_KEEP_TMP=1, and TMPDIR is still restored', () => {
    process.env.QUIDDITCH_KEEP_TMP = '1';
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const dir = useRunTmpdir();
      removeRunTmpdir();
      expect(existsSync(dir)).toBe(true);
      expect(process.env.TMPDIR).toBe(base);
      expect(write).toHaveBeenCalledWith(expect.stringContaining(dir));
    } finally {
      write.mockRestore();
    }
  });
});
