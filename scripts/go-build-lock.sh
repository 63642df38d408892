# Sourced by the scripts that build Go binaries into ~/.cache/quidditch-k8s (build-helm.sh,
# build-pulumi.sh): a local, reproducible Go environment and one build at a time per output directory.
# Usage: go_build_lock <label> <out-dir>
# The tools built here (helm, the Pulumi CLI and provider) only drive tests, and compiling them is
# most of a fresh machine's first test run; without optimisation and inlining their compile takes
# about a quarter less CPU (helm, empty build cache: 206 -> 152 CPU s). kube-apiserver, etcd and
# kubectl (build-test-assets.sh) stay optimised: the benchmarks measure the API server's CPU.
# shellcheck disable=SC2034  # used by the scripts that source this file
go_tool_gcflags='all=-N -l'

go_build_lock() {
  export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0
  mkdir -p "$2"
  # Two runs on an empty cache would both compile into the same files: the second waits.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$2/.build.lock"
    flock -n 9 || { echo "[$1] another build into $2 is running; waiting for it" >&2; flock 9; }
  fi
}
