/**
 * crds/ and imports/ are generated from lib/api/v1 and committed. Regenerate them into a temp dir
 * and compare byte for byte, so a schema change without `npm run crds` fails here.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('generated API files', () => {
  let out: string;

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'quidditch-crds-'));
    fs.copyFileSync(path.join(ROOT, 'cdk8s.yaml'), path.join(out, 'cdk8s.yaml'));
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    execFileSync(tsx, [path.join(ROOT, 'scripts', 'generate-crds.ts'), out], { cwd: ROOT, stdio: 'pipe' });
  }, 300_000);

  afterAll(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it.each(['crds', 'imports'])('%s/ matches what lib/api/v1 generates, byte for byte', (dir) => {
    const committed = filesUnder(path.join(ROOT, dir));
    expect(filesUnder(path.join(out, dir))).toEqual(committed);
    expect(committed.length).toBe(3);
    for (const file of committed) {
      const expected = fs.readFileSync(path.join(out, dir, file), 'utf8');
      const actual = fs.readFileSync(path.join(ROOT, dir, file), 'utf8');
      expect({ file, content: actual }).toEqual({ file, content: expected });
    }
  });
});
