#!/usr/bin/env bash
# Makes a local stand-in for `node:20-slim` when Docker Hub cannot be reached (this machine reaches
# only the npm registry and Debian's mirrors): Debian bookworm from debootstrap (node:20-slim is
# bookworm-slim too), this machine's Node 20 binary with its npm and corepack in /usr/local as the
# official image has them (headers in /usr/local/include/node), and a `node` user with uid/gid
# 1000. Like this machine, it is set up for its closed network: the machine's CA bundle (npm and
# pnpm reach the registry through it) and `npm_config_nodedir`, so that node-gyp compiles
# better-sqlite3 against those headers instead of downloading them (GitHub, where its prebuilt
# binary lives, and nodejs.org are out of reach here). The Dockerfiles carry nothing of this.
#
# usage: stand-in-node-image.sh IMAGE_NAME      (needs root, buildah and debootstrap)
set -euo pipefail
image="${1:?usage: stand-in-node-image.sh IMAGE_NAME}"
buildah=(buildah --storage-driver vfs)
if "${buildah[@]}" inspect --type image "$image" >/dev/null 2>&1; then
  echo "stand-in base $image already exists"
  exit 0
fi
node_bin="$(readlink -f "$(command -v node)")"
case "$("$node_bin" --version)" in v20.*) ;; *) echo "this machine's node is not Node 20" >&2; exit 1 ;; esac
node_modules="$(dirname "$(readlink -f "$(command -v npm)")")/../.."
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
container="$("${buildah[@]}" from scratch)"
mount="$("${buildah[@]}" mount "$container")"
cp -a "$rootfs/." "$mount/"
mkdir -p "$mount/usr/local/bin" "$mount/usr/local/lib/node_modules"
cp "$node_bin" "$mount/usr/local/bin/node"
cp -a "$node_modules/npm" "$node_modules/corepack" "$mount/usr/local/lib/node_modules/"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$mount/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$mount/usr/local/bin/npx"
ln -s ../lib/node_modules/corepack/dist/corepack.js "$mount/usr/local/bin/corepack"
mkdir -p "$mount/usr/local/include"
cp -a "$(dirname "$node_bin")/../include/node" "$mount/usr/local/include/node"
mkdir -p "$mount/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$mount/etc/ssl/certs/ca-certificates.crt"
"${buildah[@]}" umount "$container" >/dev/null
"${buildah[@]}" run --isolation chroot "$container" -- sh -c \
  'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
"${buildah[@]}" config \
  --env NODE_VERSION="$("$node_bin" --version | tr -d v)" \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --env npm_config_nodedir=/usr/local \
  --cmd node "$container"
"${buildah[@]}" commit --quiet "$container" "$image" >/dev/null
"${buildah[@]}" rm "$container" >/dev/null
echo "stand-in base $image made"
