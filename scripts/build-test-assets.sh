#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from Go modules into the project's asset cache,
# the envtest approach without a download site: pinned versions from scripts/versions.json.
# Usage: scripts/build-test-assets.sh [OUT_DIR]   (default: the cache dir test/support uses)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
k8s=$(node -p "require('$here/versions.json').kubernetes")
etcd=$(node -p "require('$here/versions.json').etcd")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/quidditch-k8s
out=${1:-$cache/k8s-$k8s-etcd-$etcd}

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
Go is not installed, so the test control plane (kube-apiserver $k8s, etcd $etcd, kubectl) cannot be built.
Provide the binaries instead, either:
  - go install sigs.k8s.io/controller-runtime/tools/setup-envtest@latest && export KUBEBUILDER_ASSETS=\$(setup-envtest use -p path $k8s)
  - or set TEST_ASSET_KUBE_APISERVER, TEST_ASSET_ETCD and TEST_ASSET_KUBECTL to their paths,
  - or install Go (https://go.dev/dl, or 'apt-get install golang') and run npm test again.
MSG
  exit 3
fi

export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
mkdir -p "$out"
# Two test runs on an empty cache would otherwise both spend minutes compiling the same: the second waits.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out/.build.lock"
  flock -n 9 || { echo "[test-assets] another build into $out is running; waiting for it" >&2; flock 9; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$out/etcd" ]; then
  echo "[test-assets] building etcd v$etcd (one-time, cached in $out)" >&2
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init quidditch.local/etcd-build >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$etcd" >&2
  go build -trimpath -ldflags "-s -w" -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$out/etcd.tmp" "$out/etcd"
fi

if [ ! -x "$out/kube-apiserver" ] || [ ! -x "$out/kubectl" ]; then
  echo "[test-assets] building kube-apiserver and kubectl v$k8s (one-time: with etcd, 284 s alone on 2 cores here; cached in $out)" >&2
  mkdir -p "$work/k8s" && cd "$work/k8s"
  go mod init quidditch.local/k8s-build >/dev/null 2>&1
  go mod download -json "k8s.io/kubernetes@v$k8s" >/dev/null
  kmod=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$k8s.mod
  # k8s.io/kubernetes points every staging module at ./staging; point them at the published v0.x instead.
  staging=$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$kmod")
  [ -n "$staging" ] || { echo "no staging replaces found in $kmod" >&2; exit 1; }
  minor=${k8s#1.}
  for m in $staging; do go mod edit -replace "$m=$m@v0.$minor"; done
  go mod edit -require "k8s.io/kubernetes@v$k8s"
  printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > tools.go
  sed -i '1i //go:build tools' tools.go
  go mod tidy >&2
  ld="-s -w -X k8s.io/component-base/version.gitVersion=v$k8s -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  echo "[test-assets]   compiling kube-apiserver" >&2
  go build -trimpath -ldflags "$ld" -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
  mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"
  echo "[test-assets]   compiling kubectl" >&2
  go build -trimpath -ldflags "$ld" -o "$out/kubectl.tmp" k8s.io/kubernetes/cmd/kubectl
  mv "$out/kubectl.tmp" "$out/kubectl"
fi
echo "$out"
