#!/usr/bin/env bash
# What the operator image costs: builds it (`npm run image`, skipped when its content hash matches),
# then measures the bundles, the image uncompressed and as a gzip-compressed OCI archive, and how long
# `podman run` of `node -e 0` takes in it (median of 5: the floor under any container start), and
# writes them to bench/results/image/image-size.json. README's image table is rendered from that file
# by `npm run bench:report`.
#
#   bash scripts/measure-image.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
# shellcheck source=podman-common.sh
source "$here/podman-common.sh"
cd "$repo"
ensure_podman

ref="$(bash scripts/build-image.sh | tail -n 1)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

podman save --format oci-archive -o "$work/image.tar" "$ref" >/dev/null
gzip -6 -c "$work/image.tar" > "$work/image.tar.gz"

runs=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  qpodman run --rm "${PODMAN_LIMIT_FLAGS[@]}" --entrypoint /nodejs/bin/node "$ref" -e 0 >/dev/null
  runs+=($(( ($(date +%s%N) - t0) / 1000000 )))
done

node -e '
const fs = require("node:fs");
const os = require("node:os");
const [ref, imageBytes, archiveGz, runs] = process.argv.slice(1);
const size = (f) => fs.statSync(f).size;
const ms = runs.split(" ").map(Number).sort((a, b) => a - b);
const out = {
  measured: new Date().toISOString(),
  command: "bash scripts/measure-image.sh",
  image: ref,
  machine: { cores: os.cpus().length, node: process.version, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
  operatorBundleBytes: size("dist/bundle/operator.js"),
  operatorSourceMapBytes: size("dist/bundle/operator.js.map"),
  datanodeSimBundleBytes: size("dist/bundle/datanode-sim.js"),
  imageBytes: Number(imageBytes),
  imageGzipOciArchiveBytes: Number(archiveGz),
  podmanRunNodeNoopMs: { runs: ms, median: ms[Math.floor(ms.length / 2)] },
};
fs.mkdirSync("bench/results/image", { recursive: true });
fs.writeFileSync("bench/results/image/image-size.json", JSON.stringify(out, null, 2) + "\n");
console.log(JSON.stringify(out, null, 2));
' "$ref" "$(podman image inspect --format '{{.Size}}' "$ref")" "$(stat -c %s "$work/image.tar.gz")" "${runs[*]}"
