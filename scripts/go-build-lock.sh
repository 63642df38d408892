# Sourced by the scripts that build Go binaries into ~/.cache/quidditch-k8s (build-helm.sh,
# build-pulumi.sh): a local, reproducible Go environment and one build at a time per output directory.
# Usage: go_build_lock <label> <out-dir>
go_build_lock() {
  export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod" CGO_ENABLED=0
  mkdir -p "$2"
  # Two runs on an empty cache would both compile into the same files: the second waits.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$2/.build.lock"
    flock -n 9 || { echo "[$1] another build into $2 is running; waiting for it" >&2; flock 9; }
  fi
}
