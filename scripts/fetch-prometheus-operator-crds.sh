#!/usr/bin/env bash
# Copies the prometheus-operator CRDs the monitoring objects need (PodMonitor, ServiceMonitor,
# PrometheusRule) into the project's asset cache, offline from the Go module proxy: the module zip
# of github.com/prometheus-operator/prometheus-operator carries them, generated, in
# example/prometheus-operator-crd/. Nothing is built. Version: scripts/versions.json.
# Usage: scripts/fetch-prometheus-operator-crds.sh   (prints the directory holding the YAML)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(node -p "require('$here/versions.json').prometheusOperator")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/quidditch-k8s
out=$cache/prometheus-operator-crds-$version
kinds="podmonitors servicemonitors prometheusrules"

complete() { for k in $kinds; do [ -s "$out/monitoring.coreos.com_$k.yaml" ] || return 1; done; }
if complete; then echo "$out"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed, so the prometheus-operator CRDs cannot be fetched from the Go module proxy. Install Go, or copy monitoring.coreos.com_{$(echo $kinds | tr ' ' ,)}.yaml of prometheus-operator v$version into $out." >&2
  exit 3
fi
mkdir -p "$out"
exec 9>"$out/.fetch.lock"
flock 9
if complete; then echo "$out"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# `go mod download` needs a module context for GOFLAGS=-mod=mod; an empty one will do.
cd "$work" && go mod init quidditch.local/crds >/dev/null 2>&1
dir=$(GOTOOLCHAIN=local GOFLAGS=-mod=mod go mod download -json "github.com/prometheus-operator/prometheus-operator@v$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
for k in $kinds; do
  src="$dir/example/prometheus-operator-crd/monitoring.coreos.com_$k.yaml"
  [ -s "$src" ] || { echo "missing $src in the module zip of prometheus-operator v$version" >&2; exit 1; }
  cp "$src" "$out/monitoring.coreos.com_$k.yaml.tmp" && mv "$out/monitoring.coreos.com_$k.yaml.tmp" "$out/monitoring.coreos.com_$k.yaml"
done
echo "[prometheus-operator-crds] v$version copied to $out" >&2
echo "$out"
