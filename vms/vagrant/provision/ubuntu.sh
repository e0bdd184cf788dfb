#!/bin/bash
# Prepares an Ubuntu box for audit-harness. Ubuntu's package names for what is needed (auditd,
# linux-headers-$(uname -r), gcc, gcc-multilib, make, xz-utils, zstd) are Debian's, so debian.sh does it.
# Run as root: ubuntu.sh SOURCE_DIR.
set -euo pipefail
SRC=${1:?usage: ubuntu.sh SOURCE_DIR}
exec bash "$SRC/debian.sh" "$SRC"
