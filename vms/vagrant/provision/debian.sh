#!/bin/bash
# Prepares a Debian box for audit-harness: audit userspace, headers of the running kernel, compiler and kbuild,
# the test modules and loaders, the uid-1000 user. Loads no audit rules. Run as root: debian.sh SOURCE_DIR.
# Whatever is present already is kept, and apt is used only for what is missing (the local box has no network).
set -euo pipefail
SRC=${1:?usage: debian.sh SOURCE_DIR}
# shellcheck source=common.sh
. "$SRC/common.sh"

need=()
command -v auditctl >/dev/null || need+=(auditd)
command -v sudo >/dev/null || need+=(sudo)
if ! have_modules; then
  [ -e "/lib/modules/$kver/build" ] || need+=("linux-headers-$kver")
  command -v make >/dev/null || need+=(make)
  command -v xz >/dev/null || need+=(xz-utils)
  [ "$(module_suffix)" != .ko.zst ] || command -v zstd >/dev/null || need+=(zstd)
fi
if ! have_loaders; then
  command -v gcc >/dev/null || need+=(gcc libc6-dev)
  if [ "$(uname -m)" = x86_64 ] && ! dpkg -s gcc-multilib >/dev/null 2>&1; then need+=(gcc-multilib); fi
fi
if ! have_modules && ! command -v gcc >/dev/null; then need+=(gcc); fi

if [ ${#need[@]} -gt 0 ]; then
  echo "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need[@]}"
else
  echo "all packages present: apt not used"
fi

build_modules
build_loaders
autoload_alias
user_1000
