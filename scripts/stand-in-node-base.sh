#!/usr/bin/env bash
# Makes a local STAND-IN for the official base image node:20-bookworm-slim when the Docker engine has none, so that
# the real Dockerfile builds here unchanged and without a pull (no container registry can be reached from here).
# It is Debian bookworm (debootstrap --variant=minbase, from Debian's own packages) with this machine's Node.js 20
# copied in where the official image keeps it: node in /usr/local/bin, npm in /usr/local/lib/node_modules/npm,
# Node's headers in /usr/local/include/node, and the user node (1000:1000). Not the official image: see deploy/README.md.
# Usage: scripts/stand-in-node-base.sh [IMAGE]   (default node:20-bookworm-slim; idempotent: an existing image is kept)
# Needs root (debootstrap) and, when missing, installs debootstrap with apt-get. The debootstrap tree is cached as a
# tar in $CM_STAND_IN_CACHE (default ~/.cache/container-mapping/stand-in), so re-creating the image is quick.
set -euo pipefail
image="${1:-node:20-bookworm-slim}"
cache="${CM_STAND_IN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-mapping/stand-in}"
say() { printf 'stand-in base: %s\n' "$*"; }

if docker image inspect "$image" >/dev/null 2>&1; then
  say "$image is already in the engine (kept)"; exit 0
fi
node_bin=$(node -p process.execPath)
node_version=$("$node_bin" --version)
case "$node_version" in v20.*) ;; *) say "this machine's Node.js is $node_version, not 20"; exit 1 ;; esac
node_prefix=$(dirname "$(dirname "$node_bin")")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
headers="$node_prefix/include/node"
[ -f "$npm_dir/bin/npm-cli.js" ] || { say "npm not found beside $node_bin"; exit 1; }
[ -f "$headers/node.h" ] || { say "Node's headers not found in $headers (native modules need them)"; exit 1; }

mkdir -p "$cache"
rootfs_tar="$cache/bookworm-minbase.tar"
if [ ! -s "$rootfs_tar" ]; then
  [ "$(id -u)" = 0 ] || { say "debootstrap needs root"; exit 1; }
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' EXIT
  say "debootstrap --variant=minbase bookworm (a few minutes)"
  debootstrap --variant=minbase bookworm "$tree" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
    || { say "debootstrap failed (see $cache/debootstrap.log)"; exit 1; }
  # As the official slim images: no apt lists or caches kept.
  rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/var/cache/apt/archives/*.deb
  tar -C "$tree" --numeric-owner -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$tree"; trap - EXIT
fi

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
tar -C "$tree" --numeric-owner -xf "$rootfs_tar"
mkdir -p "$tree/usr/local/bin" "$tree/usr/local/lib/node_modules" "$tree/usr/local/include" "$tree/home/node"
cp "$node_bin" "$tree/usr/local/bin/node"
cp -a "$npm_dir" "$tree/usr/local/lib/node_modules/npm"
cp -a "$headers" "$tree/usr/local/include/node"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tree/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tree/usr/local/bin/npx"
# The official image's user: node, uid and gid 1000, home /home/node.
echo 'node:x:1000:' >>"$tree/etc/group"
echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$tree/etc/passwd"
chown 1000:1000 "$tree/home/node"
tar -C "$tree" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'LABEL container-mapping.stand-in="debootstrap bookworm minbase and this machine'"'"'s Node.js; not the official node image"' \
  --change 'CMD ["node"]' \
  --message "stand-in for $image (scripts/stand-in-node-base.sh)" \
  - "$image" >/dev/null
say "$image created (Node.js $node_version, $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
