/**
 * How node runs the operator bundle: the image's ENTRYPOINT (Containerfile; a unit test keeps the two
 * equal) and the scale benchmark use these, so memory is measured as deployed.
 *
 * The V8 flags bound garbage, not the heap (no --max-old-space-size: nothing here can run out of
 * memory that would not otherwise). Measured with `npm run bench -- scale` (bench/results/scale.json):
 * at 10,000 indices the live heap after a full GC is ~56 MiB, yet RSS peaked at 310–340 MiB, because
 * V8 lets the old generation grow up to 4× the live size before the next full GC and keeps a 2 × 16 MiB
 * young generation. --heap-growing-percent=50 starts the next full GC at 1.5× the live size;
 * --max-semi-space-size=8 halves the young generation. In a churn simulation of the informer cache
 * (10,000 objects, 50 replacements per tick) this cut peak RSS from 258 to 129 MiB at about the same
 * CPU per update.
 *
 * No --enable-source-maps: with it, node parses operator.js.map the first time any stack trace is
 * formatted (every logged error) and keeps it: measured 60.5 MiB of heap retained by the parsed map,
 * a quarter of the 256 MiB budget. The bundle keeps its function and class names (keepNames), the
 * map ships beside it in /app for mapping a trace offline, and NODE_OPTIONS=--enable-source-maps turns
 * it back on for a debugging session.
 */
export const OPERATOR_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50'] as const;
