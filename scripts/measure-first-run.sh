#!/usr/bin/env bash
# The first test run of a fresh machine, measured: a clean clone of HEAD with an empty asset cache
# (XDG_CACHE_HOME), an empty Go module cache and an empty Go build cache, so every Go module is
# downloaded and kube-apiserver, etcd, kubectl, helm, the Pulumi CLI and its Kubernetes provider are
# compiled, and an empty TMPDIR, so jest's transform cache (/tmp/jest_<uid> by default) starts empty too.
# npm's own cache is kept (a fresh machine's npm ci downloads instead; that part is small).
# Times the README's set-up (`npm ci && npm run synth`), then `bash .ci/run` with the steps it stamps,
# and writes bench/results/ci/first-run.json. Takes about half an hour on 2 cores and uses all of them.
#
#   bash scripts/measure-first-run.sh          # --warm: keep the caches (a second run, as CI on a used machine)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
warm=false
[ "${1:-}" = "--warm" ] && warm=true
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

git clone -q "$repo" "$work/repo"
if ! $warm; then
  mkdir -p "$work/xdg" "$work/gomod" "$work/gocache" "$work/tmp"
  export XDG_CACHE_HOME=$work/xdg GOMODCACHE=$work/gomod GOCACHE=$work/gocache TMPDIR=$work/tmp
fi
cd "$work/repo"
commit=$(git rev-parse --short HEAD)
t0=$(date +%s)
{ npm ci --no-audit --no-fund && npm run synth; } > "$work/setup.log" 2>&1 || { tail -30 "$work/setup.log" >&2; exit 1; }
# The machine's CPU over .ci/run (all cores, any process), from the aggregate line of /proc/stat:
# "<busy ticks> <all ticks>", busy = user + nice + system + irq + softirq + steal.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
t1=$(date +%s)
cpu1=$(cpu_ticks)
ci_status=0
bash .ci/run > "$work/ci.log" 2>&1 || ci_status=$?
t2=$(date +%s)
cpu2=$(cpu_ticks)
[ "$ci_status" -eq 0 ] || { grep -a -E '^(FAIL|\[ci\])|passed, ' "$work/ci.log" >&2 || true; }
mkdir -p "$repo/bench/results/ci"
name=$($warm && echo warm-run || echo first-run)
node -e '
const fs = require("fs");
const [log, setupS, ciS, status, commit, warm, load, cpu1, cpu2, tick] = process.argv.slice(1);
const text = fs.readFileSync(log, "utf8");
const steps = [...text.matchAll(/^\[ci\] (\d+) s: (.*)$/gm)].map((m) => ({ atSeconds: +m[1], step: m[2] }));
// The "[ci] cpu: <part>: W s wall, U s user, S s system" lines of .ci/run (bash time: the part and what it waited for).
const parts = [...text.matchAll(/^\[ci\] cpu: (.*): ([\d.]+) s wall, ([\d.]+) s user, ([\d.]+) s system$/gm)]
  .map((m) => ({ part: m[1], wallSeconds: +m[2], cpuSeconds: Math.round(+m[3] + +m[4]) }));
const [busy1, all1] = cpu1.split(" ").map(Number), [busy2, all2] = cpu2.split(" ").map(Number);
const summary = /^(\d+) passed, (\d+) failed$/m.exec(text);
const os = require("os");
console.log(JSON.stringify({
  measured: new Date().toISOString(),
  commit,
  command: "bash scripts/measure-first-run.sh" + (warm === "true" ? " --warm" : ""),
  caches: warm === "true" ? "warm (the machine’s own)" : "empty asset, Go module, Go build and jest caches; npm cache kept",
  machine: { cores: os.cpus().length, cpu: os.cpus()[0].model, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, loadAverageAtEnd: load },
  setupSeconds: +setupS,
  ciSeconds: +ciS,
  ciExitStatus: +status,
  tests: summary ? { passed: +summary[1], failed: +summary[2] } : null,
  ciSteps: steps,
  ciParts: parts,
  ciMachineCpu: { busySeconds: Math.round((busy2 - busy1) / tick), busyShare: +((busy2 - busy1) / (all2 - all1)).toFixed(3) },
}, null, 2));
' "$work/ci.log" "$((t1 - t0))" "$((t2 - t1))" "$ci_status" "$commit" "$warm" "$(cut -d' ' -f1-3 /proc/loadavg)" "$cpu1" "$cpu2" "$(getconf CLK_TCK)" > "$repo/bench/results/ci/$name.json"
cat "$repo/bench/results/ci/$name.json"
exit "$ci_status"
