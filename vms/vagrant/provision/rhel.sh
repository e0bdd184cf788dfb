#!/bin/bash
# Prepares a RHEL-family box (CentOS 7, AlmaLinux 8/9/10) for audit-harness: audit userspace, kernel-devel of the
# running kernel, compiler, the test modules (.ko.xz as RHEL ships its own) and loaders, the uid-1000 user.
# Loads no audit rules. Run as root: rhel.sh SOURCE_DIR.
set -euo pipefail
SRC=${1:?usage: rhel.sh SOURCE_DIR}
# shellcheck source=common.sh
. "$SRC/common.sh"

pm=dnf
command -v dnf >/dev/null || pm=yum
need=()
command -v auditctl >/dev/null || need+=(audit)
command -v sudo >/dev/null || need+=(sudo)
if ! have_modules; then
  [ -e "/lib/modules/$kver/build" ] || need+=("kernel-devel-$kver")
  need+=(gcc make xz elfutils-libelf-devel)
fi
if ! have_loaders; then
  need+=(gcc glibc-static)
  # 32-bit static libc for the arch=i386 loader; on EL8+ glibc-static lives in PowerTools/CRB.
  [ "$(uname -m)" != x86_64 ] || need+=(glibc-devel.i686 glibc-static.i686 libgcc.i686)
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$pm" = dnf ]; then
    dnf config-manager --set-enabled crb >/dev/null 2>&1 || dnf config-manager --set-enabled powertools >/dev/null 2>&1 || true
  fi
  echo "$pm install ${need[*]}"
  "$pm" install -y -q "${need[@]}"
fi
systemctl is-active -q auditd || service auditd start

build_modules
build_loaders
autoload_alias
user_1000
