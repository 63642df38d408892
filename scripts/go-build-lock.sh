# Sourced by the scripts that build Go binaries into ~/.cache/quidditch-k8s (build-helm.sh,
# build-pulumi.sh): a local, reproducible Go environment and one build at a time per output directory,
# the compiler flags and the flavour their cache directories are named with.
# Usage: go_build_lock <label> <out-dir>
# The tools built here (helm, the Pulumi CLI and provider) only drive tests, and compiling them is
# most of a fresh machine's first test run; their own packages and their dependencies compile without
# optimisation and inlining, about a quarter less CPU (helm, empty build cache: 206 -> 152 CPU s).
# The standard library stays optimised (`-gcflags=std=`: for a package the last matching pattern
# wins). Those are the packages kube-apiserver, etcd and kubectl (build-test-assets.sh, same
# -trimpath and CGO_ENABLED) are built from, so that costs no extra compile, and the Go runtime, the
# garbage collector, reflection, JSON and text/template run at full speed whenever a test calls the
# tools: a Pulumi CLI call took 0.34 CPU s instead of 0.49, `helm lint` 0.26 instead of 0.39.
# kube-apiserver, etcd and kubectl stay optimised throughout: the benchmarks measure the API server.
go_tool_gcflags=(-gcflags='all=-N -l' -gcflags=std=)
# The tools' cache directory names end in this (goToolFlavour in scripts/versions.json): give it a new
# value with new flags, so a machine with a cache builds them afresh instead of running ones built the old way.
go_tool_flavour=$(node -p "require('$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/versions.json').goToolFlavour")

go_build_lock() {
  export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0
  mkdir -p "$2"
  # Two runs on an empty cache would both compile into the same files: the second waits.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$2/.build.lock"
    flock -n 9 || { echo "[$1] another build into $2 is running; waiting for it" >&2; flock 9; }
  fi
}
