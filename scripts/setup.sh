#!/usr/bin/env bash
# Installs what audit-harness needs on a Debian 12 host (run as root).
# Used by README's quick start and by .ci/run, so both install the same thing.
# It never starts or configures the host's audit daemon: the reference ausearch/auditctl
# are unpacked from Debian's packages into the cache by the harness itself.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "[setup] must run as root (apt-get install)" >&2
  exit 1
fi

# Node.js >= 20 with npm comes first: Debian 12's own nodejs is 18, and every later step needs 20.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null 2>&1; then
  echo "[setup] audit-harness needs Node.js >= 20 with npm (found: $(node --version 2>/dev/null || echo 'no node'); Debian 12's own nodejs is 18). Install Node.js 20 or later, then run this again." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Guest packages (every Debian release, amd64 and i386) are resolved and fetched through apt states private to
# the cache (harness/debian/apt.ts), never through this host's apt: no foreign architecture or extra sources here.

# A mirror that is mid-sync fails one index now and then; the others are still usable,
# so a partial update is a warning, not the end.
# apt's output goes to a temp file that is removed whatever happens (it used to stay in /tmp).
update_log=$(mktemp "${TMPDIR:-/tmp}/audit-harness-apt-update.XXXXXX")
trap 'rm -f "$update_log"' EXIT
for attempt in 1 2 3; do
  if apt-get update -q >"$update_log" 2>&1; then break; fi
  log "apt-get update attempt $attempt had errors:"
  grep -E '^(E|W):' "$update_log" | sed 's/^/[setup]   /' || true
  [ "$attempt" = 3 ] || sleep 5
done

packages=(
  qemu-system-x86      # qemu-system-x86_64 and qemu-system-i386
  gcc gcc-multilib make binutils libc6-dev  # test module (kbuild) and static loaders (-m32)
  libelf-dev           # kbuild's objtool/modpost helpers
  cpio xz-utils zstd gzip  # initramfs and the compressed test module
  dropbear-bin         # dropbearkey/dropbearconvert: per-image SSH keys
  openssh-client       # ssh-keygen; vm shell
  kmod                 # depmod for the guest module tree
  apt-utils dpkg-dev   # apt-get download, dpkg-deb
  debian-archive-keyring  # copied into the private apt states (bullseye, bookworm, trixie keys)
  mawk                 # the augenrules test runs Debian's awk on the real script
  time                 # /usr/bin/time -v: peak RSS in npm run bench
  openscap-scanner     # oscap: validate evaluates SSG content on the host against files copied out of a guest (never the host's own)
  ssg-debian ssg-nondebian  # SCAP Security Guide 0.1.65 datastreams: Debian 10/11, RHEL 7/8/9, …
  vagrant vagrant-libvirt libvirt-clients  # the vagrant: targets (Vagrantfile, vms/vagrant/)
  libvirt-daemon libvirt-daemon-driver-qemu qemu-utils  # libvirtd without libvirt-daemon-system: no default NAT network
  shellcheck           # checks vms/vagrant/provision/*.sh
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "system packages present"
fi

# libvirtd for the vagrant: targets is started and stopped by the harness (no systemd here). Without
# libvirt-daemon-system (which would bring libvirt's default NAT network) nothing creates the qemu user
# libvirtd looks up at start, nor a qemu.conf: qemu runs as root like the harness's own qemu targets.
if ! getent passwd libvirt-qemu >/dev/null; then
  log "adduser --system libvirt-qemu"
  adduser --system --group --quiet --no-create-home --home /var/lib/libvirt libvirt-qemu
fi
mkdir -p /var/log/libvirt/qemu  # the domains' qemu logs (libvirtd's own log goes to the harness's state dir)
if [ ! -e /etc/libvirt/qemu.conf ]; then
  log "writing /etc/libvirt/qemu.conf"
  mkdir -p /etc/libvirt
  cat >/etc/libvirt/qemu.conf <<'EOF'
# Written by audit-harness scripts/setup.sh: guests of the vagrant: targets run qemu as root, like the
# harness's own qemu targets, and reach the host only through qemu user-mode networking on 127.0.0.1.
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
stdio_handler = "file"
EOF
fi

cd "$(dirname "$0")/.."
if [ -f package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
else
  log "npm install"
  npm install --no-audit --no-fund
fi
log "done"
