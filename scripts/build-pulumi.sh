#!/usr/bin/env bash
# Builds the Pulumi CLI and the Kubernetes resource provider from Go modules into the project's
# cache, because neither can be downloaded as a release here. Versions: scripts/pulumi-versions.json.
#
# - CLI: github.com/pulumi/pulumi/pkg/v3 at the tag of @pulumi/pulumi (3.248.0). Its go.mod points
#   sdk/v3 at ../sdk, so we build a writable copy of the module with sdk/v3 replaced by the same tag.
# - Provider: github.com/pulumi/pulumi-kubernetes/provider/v4 has no semver tags of its own; the Go
#   module proxy serves only one pseudo-version of it (commit f47bc2d6, 2026-01-15, between the
#   v4.24 and v4.25 releases), not the commit of v4.34.2 that @pulumi/kubernetes in the lockfile
#   was released from. The provider protocol is stable across 4.x, so the tests run the 4.34.2 SDK
#   against this provider; it is stamped with its own pseudo-version, not 4.34.2, so nobody is misled.
#   Its main package embeds schema-embed.json, which the provider's generate.go derives from
#   schema.json; we do the same in a writable copy.
# - The Node.js language host (sdk/nodejs/cmd/pulumi-language-nodejs) is not served by the module
#   proxy at all. It is not needed by the tests: they run the program inline through the Automation
#   API, whose in-process language server the CLI reaches with --client (no language plugin).
# The checksum database accepts every module involved, so GONOSUMDB/GOSUMDB stay untouched.
# Cold build measured here (2026-12-01, empty Go build cache, fully optimised, before the flags in
# go-build-lock.sh): 18.3 min wall-clock, 19.7 min of CPU (user 1,026 s + system 158 s) on 2 cores
# shared with a test run.
#
# Usage: scripts/build-pulumi.sh [OUT_DIR]   (prints the directory holding the binaries)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
v() { node -p "require('$here/pulumi-versions.json').$1"; }
pulumi=$(v pulumi)
provmod=$(v kubernetesProviderModule)
provver=$(v kubernetesProviderVersion)
sdkreplace=$(v kubernetesSdkReplace)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/quidditch-k8s
# shellcheck source=go-build-lock.sh
source "$here/go-build-lock.sh"
out=${1:-$cache/pulumi-$pulumi-k8s-${provver##*-}-$go_tool_flavour}

if [ -x "$out/pulumi" ] && [ -x "$out/pulumi-resource-kubernetes" ]; then echo "$out"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
Go is not installed, so the Pulumi CLI $pulumi and the Kubernetes provider cannot be built.
Provide them instead: set PULUMI_CLI_DIR to a directory that holds 'pulumi' and
'pulumi-resource-kubernetes' (for example the bin/ of a Pulumi $pulumi release, plus the provider
from 'pulumi plugin install resource kubernetes'), or install Go (https://go.dev/dl, or
'apt-get install golang') and run npm test again.
MSG
  exit 3
fi

go_build_lock pulumi "$out"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# Copies a module from the module cache into $work/$2 (writable) and prints its directory.
copy_module() {
  local dir
  dir=$(cd "$work" && go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
  cp -r "$dir" "$work/$2" && chmod -R u+w "$work/$2"
  echo "$work/$2"
}

if [ ! -x "$out/pulumi" ]; then
  echo "[pulumi] building the Pulumi CLI v$pulumi (one-time, cached in $out)" >&2
  src=$(copy_module "github.com/pulumi/pulumi/pkg/v3@v$pulumi" pkg)
  cd "$src"
  go mod edit -replace "github.com/pulumi/pulumi/sdk/v3=github.com/pulumi/pulumi/sdk/v3@v$pulumi"
  go build -trimpath "${go_tool_gcflags[@]}" -o "$out/pulumi.tmp" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$pulumi" ./cmd/pulumi
  mv "$out/pulumi.tmp" "$out/pulumi"
fi

if [ ! -x "$out/pulumi-resource-kubernetes" ]; then
  echo "[pulumi] building pulumi-resource-kubernetes $provver (one-time, cached in $out)" >&2
  src=$(copy_module "$provmod@$provver" provider)
  cd "$src"
  # The provider points its Go SDK at ../sdk (the repo layout); use the published module instead.
  go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=$sdkreplace"
  semver=${provver#v}
  (cd cmd/pulumi-resource-kubernetes && VERSION=$semver go run generate.go)
  go build -trimpath "${go_tool_gcflags[@]}" -o "$out/pulumi-resource-kubernetes.tmp" \
    -ldflags "-s -w -X $provmod/pkg/version.Version=$semver" ./cmd/pulumi-resource-kubernetes
  mv "$out/pulumi-resource-kubernetes.tmp" "$out/pulumi-resource-kubernetes"
fi
echo "$out"
