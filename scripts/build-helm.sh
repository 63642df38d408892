#!/usr/bin/env bash
# Builds the helm CLI from Go modules into the project's asset cache, like build-test-assets.sh
# builds kube-apiserver/etcd/kubectl: no release download here. Version: scripts/versions.json (helm).
# The -X flags are the ones helm's Makefile sets: the version `helm version` prints, and the
# Kubernetes version `helm template`/`helm lint` assume when no cluster is asked (that of the
# k8s.io/client-go helm was built with).
# Usage: scripts/build-helm.sh [OUT_DIR]   (prints the directory holding `helm`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
helm=$(node -p "require('$here/versions.json').helm")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/quidditch-k8s
# shellcheck source=go-build-lock.sh
source "$here/go-build-lock.sh"
out=${1:-$cache/helm-$helm-$go_tool_flavour}

if [ -x "$out/helm" ]; then echo "$out"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
Go is not installed, so helm v$helm cannot be built.
Provide it instead: set TEST_ASSET_HELM to a helm v3 binary (for example from https://github.com/helm/helm/releases),
or install Go (https://go.dev/dl, or 'apt-get install golang') and run npm test again.
MSG
  exit 3
fi

go_build_lock helm "$out"
if [ -x "$out/helm" ]; then echo "$out"; exit 0; fi
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

echo "[helm] building helm v$helm (one-time, cached in $out)" >&2
cd "$work"
go mod init quidditch.local/helm-build >/dev/null 2>&1
go get "helm.sh/helm/v3@v$helm" >&2
clientgo=$(go list -m -f '{{.Version}}' k8s.io/client-go)   # v0.<minor>.<patch>
minor=$(echo "$clientgo" | cut -d. -f2)
ld="-s -w -X helm.sh/helm/v3/internal/version.version=v$helm"
ld="$ld -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$minor"
ld="$ld -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$minor"
go build -trimpath "${go_tool_gcflags[@]}" -ldflags "$ld" -o "$out/helm.tmp" helm.sh/helm/v3/cmd/helm
mv "$out/helm.tmp" "$out/helm"
echo "[helm] built $out/helm" >&2
echo "$out"
