/** Jest global teardown of every run (root config; jest runs it after the projects' own teardowns). */
import { removeRunTmpdir } from './run-tmpdir';

export default function runGlobalTeardown(): void {
  removeRunTmpdir();
}
