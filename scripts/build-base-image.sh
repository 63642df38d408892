#!/usr/bin/env bash
# Builds a distroless-style Node base image from this machine's own node binary, for hosts that
# cannot pull gcr.io/distroless/nodejs20-debian12 (no registry reachable).
#
# Layout matches distroless nodejs so the Containerfile works on either base:
#   /nodejs/bin/node, glibc + libstdc++ from `ldd`, /etc/passwd with nonroot (65532),
#   /home/nonroot, /tmp (1777), CA certificates, no shell, no package manager.
# The image is assembled with `podman import` from a tarball, so no container runs while building.
#
# Usage: scripts/build-base-image.sh [--force]      prints the image reference on stdout
# Env:   NODE_BIN (default: `command -v node`), BASE_TAG (default: localhost/quidditch-node20-base:<node version>)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=podman-common.sh
source "$here/podman-common.sh"

force=0
[ "${1:-}" = "--force" ] && force=1

ensure_podman
node_bin="$(readlink -f "${NODE_BIN:-$(command -v node || true)}")"
[ -x "$node_bin" ] || die "Unable to build the base image: no node binary found. Install Node 20 or set NODE_BIN."
node_version="$("$node_bin" --version)"
node_version="${node_version#v}"
[ "${node_version%%.*}" -ge 20 ] || die "Unable to build the base image: node $node_version is older than 20. Set NODE_BIN to a Node 20 binary."
tag="${BASE_TAG:-localhost/quidditch-node20-base:$node_version}"

if [ "$force" = 0 ] && podman image exists "$tag"; then
  echo "$tag"
  exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/nodejs/bin" "$root/etc/ssl/certs" "$root/home/nonroot" "$root/tmp"
cp "$node_bin" "$root/nodejs/bin/node"

# Every shared library node links against, at the path the dynamic loader will look for it.
# cp -L resolves merged-/usr symlinks (/lib -> usr/lib) into real files in the image.
libs="$(ldd "$node_bin" | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]+ \(/{print $1}')"
[ -n "$libs" ] || die "Unable to build the base image: ldd found no shared libraries for $node_bin (is it statically linked or not an ELF binary?)."
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
else
  echo "warning: /etc/ssl/certs/ca-certificates.crt not found; the base image has no system CA bundle (node's built-in CAs still work)" >&2
fi
chmod 1777 "$root/tmp"

# Numeric owners and a fixed mtime keep the layer reproducible for one node binary.
tar -C "$root" --numeric-owner --owner=0 --group=0 --mtime='2000-01-01 00:00:00' --sort=name --exclude=./home/nonroot -cf "$root.tar" .
tar --numeric-owner --owner=65532 --group=65532 --mtime='2000-01-01 00:00:00' \
  -C "$root" -rf "$root.tar" ./home/nonroot
trap 'rm -rf "$root" "$root.tar"' EXIT

podman import --quiet \
  --change 'USER=65532:65532' \
  --change 'WORKDIR=/home/nonroot' \
  --change 'ENV=SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENTRYPOINT=["/nodejs/bin/node"]' \
  --change "LABEL=org.opencontainers.image.title=quidditch-node20-base" \
  --change "LABEL org.opencontainers.image.description=\"Local distroless-style Node $node_version base built from $node_bin\"" \
  --change "LABEL=io.quidditch.node-version=$node_version" \
  "$root.tar" "$tag" >/dev/null
echo "built base image $tag" >&2
echo "$tag"
