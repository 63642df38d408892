#!/usr/bin/env bash
# What a library user installs: packs this package, installs the tarball into a scratch project
# the way a cdk8s-only platform team would (with the peers constructs, cdk8s, cdk8s-plus-28; the
# optional Pulumi peers are not installed), and writes the numbers to bench/results/package/install-size.json.
#
#   bash scripts/measure-install.sh          # uses the npm cache; the registry only for what is missing
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
tar -tzf "$work/$tarball" > "$work/files.txt"
mkdir "$work/app"
cd "$work/app"
echo '{"name":"install-size","version":"1.0.0","private":true}' > package.json
npm install --no-audit --no-fund --prefer-offline "$work/$tarball" constructs cdk8s cdk8s-plus-28 >/dev/null

packages=$(find node_modules -name package.json -path '*node_modules/*' -not -path '*/test/*' \
  | xargs grep -l '"version"' | xargs -n1 dirname | sort -u | wc -l)
total=$(du -sb node_modules | cut -f1)
own=$(du -sb node_modules/@quidditch/k8s | cut -f1)
node -e '
const [tarballBytes, files, packages, total, own, versions] = process.argv.slice(1);
const out = {
  measured: new Date().toISOString().slice(0, 10),
  command: "bash scripts/measure-install.sh",
  tarballBytes: +tarballBytes,
  filesInTarball: +files,
  packageOnDiskBytes: +own,
  nodeModulesBytes: +total,
  packagesInstalled: +packages,
  peers: JSON.parse(versions),
  operatorRuntimeInstalled: ["@kubernetes/client-node", "@grpc/grpc-js", "pino", "prom-client", "@pulumi/pulumi"].filter((p) => { try { require.resolve(p + "/package.json", { paths: ["."] }); return true; } catch { return false; } }),
};
console.log(JSON.stringify(out, null, 2));
' "$(stat -c %s "$work/$tarball")" "$(grep -vc '/$' "$work/files.txt")" "$packages" "$total" "$own" \
  "$(node -e 'const v={};for(const p of ["constructs","cdk8s","cdk8s-plus-28"])v[p]=require(p+"/package.json").version;console.log(JSON.stringify(v))')" \
  > "$repo/bench/results/package/install-size.json"
cat "$repo/bench/results/package/install-size.json"
