/** Jest global setup of every run (root config): the run's own temporary directory (run-tmpdir.ts). */
import { useRunTmpdir } from './run-tmpdir';

export default function runGlobalSetup(): void {
  useRunTmpdir();
}
