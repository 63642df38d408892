/**
 * One `pulumi up` of the inputs stack outside jest: `tsx inputs-up.ts <tmp> <kubeconfig path> <namespace>`.
 * Prints `{ "ok": true }` or `{ "ok": false, "error": "..." }`. Outside jest because a failing Input
 * leaves rejected promises inside the Pulumi SDK that jest would count as failures of the test file.
 */
import { readFileSync } from 'node:fs';
import { inputsStack } from './inputs-stack';

async function main(): Promise<void> {
  const [tmp, kubeconfigPath, namespace] = process.argv.slice(2);
  const stack = await inputsStack(tmp, readFileSync(kubeconfigPath, 'utf8'), namespace, false);
  const result = await stack.up().then(() => ({ ok: true }), (err: unknown) => ({ ok: false, error: String(err) }));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
