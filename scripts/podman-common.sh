# shellcheck shell=bash
# Shared by build-base-image.sh and build-image.sh (sourced, not executed).
#
# Why the extra flags: on hosts like our CI VMs (cgroup v1, no systemd, high default ulimits)
# podman's default runtime crun fails to start containers; runc works when the container's
# ulimits are lowered. QUIDDITCH_PODMAN_RUNTIME overrides the runtime path.

die() {
  echo "error: $*" >&2
  exit 1
}

podman_runtime() {
  if [ -n "${QUIDDITCH_PODMAN_RUNTIME:-}" ]; then
    echo "$QUIDDITCH_PODMAN_RUNTIME"
  else
    command -v runc || echo /usr/sbin/runc
  fi
}

# Installs podman+runc only where that is unsurprising (root on Debian/Ubuntu with apt);
# everywhere else, and with QUIDDITCH_PODMAN_AUTO_INSTALL=0, it fails saying how to install them.
ensure_podman() {
  if command -v podman >/dev/null 2>&1 && [ -x "$(podman_runtime)" ]; then
    return 0
  fi
  if [ "${QUIDDITCH_PODMAN_AUTO_INSTALL:-1}" != "0" ] && [ "$(id -u)" = "0" ] \
    && command -v apt-get >/dev/null 2>&1 && [ -f /etc/debian_version ]; then
    echo "podman/runc not found: installing them with apt-get (set QUIDDITCH_PODMAN_AUTO_INSTALL=0 to prevent this)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >&2 \
      || die "Unable to install podman and runc with apt-get. Install them yourself: apt-get update && apt-get install -y podman runc"
    if command -v podman >/dev/null 2>&1 && [ -x "$(podman_runtime)" ]; then
      return 0
    fi
  fi
  die "Unable to build the image: podman and runc are required but $(command -v podman >/dev/null 2>&1 && echo "the runtime $(podman_runtime)" || echo podman) is not installed. Install them: sudo apt-get update && sudo apt-get install -y podman runc (Debian/Ubuntu), or your distribution's podman and runc packages."
}

# podman with the runtime this machine needs. Usage: qpodman build ... / qpodman run ...
qpodman() {
  podman --runtime "$(podman_runtime)" "$@"
}

# Flags every RUN (build) and run (container) needs here.
# shellcheck disable=SC2034 # used by the scripts that source this file
PODMAN_LIMIT_FLAGS=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network host)
