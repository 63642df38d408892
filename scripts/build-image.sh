#!/usr/bin/env bash
# `npm run image`: builds the operator image with podman and tags it
#   localhost/quidditch-operator:<package version> and <IMAGE_NAME>:<package version>.
#
# Default (works without any registry): bundle on the host (`npm run bundle`), build the local
# distroless-style base from this machine's node (scripts/build-base-image.sh), then build the
# Containerfile's `prebuilt` target on that BASE_IMAGE.
# The image carries the label io.quidditch.content-hash (bundle + Containerfile + base image +
# version + revision); when the existing image has the same hash the build is skipped.
#
# Env:
#   BASE_IMAGE      use this base instead of building the local one (e.g. gcr.io/distroless/nodejs20-debian12:nonroot)
#   IMAGE_TARGET    "prebuilt" (default: bundle on the host) or "runtime" (bundle inside the image
#                   build; needs BUILD_IMAGE pullable and the npm registry)
#   BUILD_IMAGE     build-stage image for IMAGE_TARGET=runtime (default: the Containerfile's node:20)
#   IMAGE_NAME      published repository name (default ghcr.io/quidditch/quidditch-operator)
#   QUIDDITCH_PODMAN_RUNTIME, QUIDDITCH_PODMAN_AUTO_INSTALL: see scripts/podman-common.sh
# Flags: --force (rebuild even when the content hash matches), --skip-bundle (use dist/bundle as is)
# Prints the local image reference as the last line of stdout; progress goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=podman-common.sh
source "$here/podman-common.sh"
cd "$repo"

force=0
skip_bundle=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --skip-bundle) skip_bundle=1 ;;
    *) die "Unable to build the image: unknown argument '$arg'. Use --force or --skip-bundle." ;;
  esac
done

ensure_podman
version="$(node -p 'require("./package.json").version')"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
local_ref="localhost/quidditch-operator:$version"
published_ref="${IMAGE_NAME:-ghcr.io/quidditch/quidditch-operator}:$version"
target="${IMAGE_TARGET:-prebuilt}"
build_args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --target "$target")
[ -n "${BUILD_IMAGE:-}" ] && build_args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE")

case "$target" in
  prebuilt)
    if [ "$skip_bundle" = 0 ]; then
      echo "bundling (npm run bundle)" >&2
      npm run --silent bundle >&2
    fi
    [ -f dist/bundle/operator.js ] || die "Unable to build the image: dist/bundle/operator.js does not exist. Run npm run bundle first."
    ;;
  runtime) ;;
  *) die "Unable to build the image: IMAGE_TARGET must be 'prebuilt' or 'runtime', got '$target'." ;;
esac

base="${BASE_IMAGE:-}"
if [ -z "$base" ]; then
  base="$("$here/build-base-image.sh" | tail -n 1)"
fi
build_args+=(--build-arg "BASE_IMAGE=$base")

# The hash covers everything that ends up in the image. For IMAGE_TARGET=runtime the sources are the
# input instead of the bundle, so that target always builds (podman's layer cache still applies).
hash=""
if [ "$target" = prebuilt ]; then
  base_id="$(podman image inspect --format '{{.Id}}' "$base" 2>/dev/null || echo "$base")"
  hash="$({
    echo "$version $revision $base_id"
    sha256sum Containerfile .dockerignore
    (cd dist/bundle && find . -type f -print0 | sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-32)"
  if [ "$force" = 0 ] && podman image exists "$local_ref" \
    && [ "$(podman image inspect --format '{{index .Labels "io.quidditch.content-hash"}}' "$local_ref")" = "$hash" ]; then
    podman tag "$local_ref" "$published_ref"
    echo "image $local_ref is up to date (content hash $hash)" >&2
    echo "$local_ref"
    exit 0
  fi
fi

echo "building $local_ref ($published_ref) on $base" >&2
qpodman build -f Containerfile "${PODMAN_LIMIT_FLAGS[@]}" "${build_args[@]}" \
  ${hash:+--label "io.quidditch.content-hash=$hash"} \
  -t "$local_ref" -t "$published_ref" . >&2
# Earlier builds of this image left untagged; only ours (by title label), never other dangling images.
podman image prune --force --filter "label=org.opencontainers.image.title=quidditch-operator" >/dev/null || true
size="$(podman image inspect --format '{{.Size}}' "$local_ref")"
echo "built $local_ref: $((size / 1000 / 1000)) MB ($size bytes)" >&2
echo "$local_ref"
