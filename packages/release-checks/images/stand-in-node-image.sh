#!/usr/bin/env bash
# Makes a local stand-in for `node:20-slim` when Docker Hub cannot be reached (this machine reaches
# only the npm registry and Debian's mirrors): Debian bookworm from debootstrap (node:20-slim is
# bookworm-slim too), this machine's Node 20 binary with its npm and corepack in /usr/local as the
# official image has them, and a `node` user with uid/gid 1000. The machine's CA bundle and the
# variables naming it are copied in so that npm and pnpm inside the build reach the registry the
# way they do on this machine; the Dockerfiles themselves carry nothing of this.
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
mkdir -p "$mount/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$mount/etc/ssl/certs/ca-certificates.crt"
"${buildah[@]}" umount "$container" >/dev/null
"${buildah[@]}" run --isolation chroot "$container" -- sh -c \
  'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
"${buildah[@]}" config \
  --env NODE_VERSION="$("$node_bin" --version | tr -d v)" \
  --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --cmd node "$container"
"${buildah[@]}" commit --quiet "$container" "$image" >/dev/null
"${buildah[@]}" rm "$container" >/dev/null
echo "stand-in base $image made"
