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
t1=$(date +%s)
ci_status=0
bash .ci/run > "$work/ci.log" 2>&1 || ci_status=$?
t2=$(date +%s)
[ "$ci_status" -eq 0 ] || { grep -a -E '^(FAIL|\[ci\])|passed, ' "$work/ci.log" >&2 || true; }
mkdir -p "$repo/bench/results/ci"
name=$($warm && echo warm-run || echo first-run)
node -e '
const fs = require("fs");
const [log, setupS, ciS, status, commit, warm, load] = process.argv.slice(1);
const text = fs.readFileSync(log, "utf8");
const steps = [...text.matchAll(/^\[ci\] (\d+) s: (.*)$/gm)].map((m) => ({ atSeconds: +m[1], step: m[2] }));
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
}, null, 2));
' "$work/ci.log" "$((t1 - t0))" "$((t2 - t1))" "$ci_status" "$commit" "$warm" "$(cut -d' ' -f1-3 /proc/loadavg)" > "$repo/bench/results/ci/$name.json"
cat "$repo/bench/results/ci/$name.json"
exit "$ci_status"
