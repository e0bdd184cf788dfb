# shellcheck shell=bash
# Sourced by debian.sh, ubuntu.sh and rhel.sh: what every box needs once its packages are there. $SRC holds
# module/ (vms/module) and loader/ (vms/loader), copied in by the harness. Paths are the qemu images' (vms/README.md).

kver=$(uname -r)
extra=/lib/modules/$kver/extra
own=/usr/local/lib/audit-harness

# How the kernel package ships its modules (.ko, .ko.xz, .ko.zst), read from one of its own modules.
module_suffix() {
  local f
  f=$(find "/lib/modules/$kver/kernel" -name '*.ko*' -print -quit)
  case $f in *.ko.xz) echo .ko.xz ;; *.ko.zst) echo .ko.zst ;; *.ko.gz) echo .ko.gz ;; *) echo .ko ;; esac
}

have_modules() {
  [ -f "$own/audit_test_mod.ko" ] && [ -f "$extra/audit_test_mod$(module_suffix)" ] && [ -f "$extra/audit_test_mod_xz.ko.xz" ]
}

# Loaders present, and of today's source: one built before `socket FAMILY` (do: autoload) existed is built again.
have_loaders() {
  local l usage
  for l in /usr/local/bin/audit-harness-loader $([ "$(uname -m)" != x86_64 ] || echo /usr/local/bin/audit-harness-loader32); do
    [ -x "$l" ] || return 1
    usage=$("$l" 2>&1) || true # with no arguments it prints its usage and exits EINVAL
    case $usage in *'socket FAMILY'*) ;; *) return 1 ;; esac
  done
}

build_modules() {
  have_modules && { echo "test modules present"; return; }
  local b suffix
  b=$(mktemp -d)
  cp "$SRC"/module/* "$b"/
  make -s -C "/lib/modules/$kver/build" M="$b" modules
  mkdir -p "$extra" "$own"
  install -m 644 "$b/audit_test_mod.ko" "$own/audit_test_mod.ko"
  suffix=$(module_suffix)
  case $suffix in
    .ko.xz) xz --check=crc32 --lzma2=dict=1MiB -c "$b/audit_test_mod.ko" >"$extra/audit_test_mod.ko.xz" ;;
    .ko.zst) zstd -q -19 -c "$b/audit_test_mod.ko" >"$extra/audit_test_mod.ko.zst" ;;
    .ko.gz) gzip -9 -c "$b/audit_test_mod.ko" >"$extra/audit_test_mod.ko.gz" ;;
    *) install -m 644 "$b/audit_test_mod.ko" "$extra/audit_test_mod.ko" ;;
  esac
  xz --check=crc32 --lzma2=dict=1MiB -c "$b/audit_test_mod_xz.ko" >"$extra/audit_test_mod_xz.ko.xz"
  depmod "$kver"
  rm -rf "$b"
  echo "test modules built ($suffix as the kernel's own)"
}

build_loaders() {
  have_loaders && { echo "loaders present"; return; }
  gcc -O2 -static -o /usr/local/bin/audit-harness-loader "$SRC/loader/loader.c"
  if [ "$(uname -m)" = x86_64 ]; then
    gcc -O2 -m32 -static -o /usr/local/bin/audit-harness-loader32 "$SRC/loader/loader.c"
  fi
  echo "loaders built"
}

# The modprobe.d alias module autoloading resolves to the test module (the harness writes it into $SRC/modprobe.d
# from harness/images/guest-layout.ts AUTOLOAD, as the qemu images have it).
autoload_alias() {
  local f
  for f in "$SRC"/modprobe.d/*.conf; do
    if cmp -s "$f" "/etc/modprobe.d/${f##*/}"; then echo "${f##*/} present"; else install -m 644 "$f" /etc/modprobe.d/ && echo "${f##*/} installed"; fi
  done
}

# The uid-1000 login user with passwordless sudo (a box's own vagrant user is often uid 1000 already).
user_1000() {
  local name
  name=$(awk -F: '$3 == 1000 { print $1; exit }' /etc/passwd)
  if [ -z "$name" ]; then
    useradd -m -u 1000 -s /bin/bash tester
    name=tester
  fi
  if ! sudo -n -l -U "$name" 2>/dev/null | grep -q NOPASSWD; then
    echo "$name ALL=(ALL:ALL) NOPASSWD: ALL" >/etc/sudoers.d/90-audit-harness
    chmod 440 /etc/sudoers.d/90-audit-harness
  fi
  echo "uid 1000: $name"
}
