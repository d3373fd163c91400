#!/usr/bin/env bash
# Installs what `hotremove oracle` needs, from Debian's archive only:
#   host:  qemu-system-arm (qemu-system-aarch64), cpio, xz-utils
#   guest: Debian 12's arm64 kernel (linux-image-arm64 -> 6.1) and that of bookworm-backports (6.12),
#          each with its modules, and busybox-static:arm64, fetched with `apt-get download` after
#          `dpkg --add-architecture arm64` and unpacked with `dpkg-deb -x`
# and builds one initramfs per kernel (busybox, guest/init, guest/serve.sh, the virtio modules).
#
# usage: tools/oracle/install.sh [--cache DIR] [--kernels 6.1,6.12]
# The cache (default tools/oracle/cache, or $HOTREMOVE_ORACLE_CACHE) is not committed.  Re-running
# reuses what is there.  Needs root (apt-get install, dpkg --add-architecture).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HOTREMOVE_ORACLE_CACHE:-$here/cache}
kernels=6.1,6.12
while [ $# -gt 0 ]; do
	case "$1" in
	--cache) cache=${2:?--cache needs a directory}; shift 2 ;;
	--kernels) kernels=${2:?--kernels needs a list}; shift 2 ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
	esac
done
step() { echo "== oracle install: $* (at ${SECONDS} s)" >&2; }
die() { echo "install.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (apt-get install, dpkg --add-architecture arm64)"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o APT::Sandbox::User=root)

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	step "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	need_update=1
fi
# 6.12 comes from bookworm-backports: add the suite if no apt source names it yet
if [[ ",$kernels," == *",6.12,"* ]] &&
	! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	step "adding bookworm-backports to apt's sources"
	cat >/etc/apt/sources.list.d/hotremove-oracle-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi
if [ $need_update = 1 ] || ! apt-cache show busybox-static:arm64 >/dev/null 2>&1; then
	step "apt-get update"
	apt-get "${apt_opts[@]}" update >&2
fi
missing=()
command -v qemu-system-aarch64 >/dev/null || missing+=(qemu-system-arm)
command -v cpio >/dev/null || missing+=(cpio)
command -v xz >/dev/null || missing+=(xz-utils)
if [ ${#missing[@]} -gt 0 ]; then
	step "apt-get install ${missing[*]}"
	apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$cache/deb"
# download PACKAGE=VERSION into the cache unless it is there; prints the file's path
download() {
	local pkg=${1%%=*} ver=${1#*=}
	local file
	file=$(ls "$cache/deb/${pkg%%:*}_"*"_arm64.deb" 2>/dev/null | grep -F "_${ver//:/%3a}_" | head -n 1 || true)
	if [ -z "$file" ]; then
		(cd "$cache/deb" && apt-get "${apt_opts[@]}" download "$1" >&2)
		file=$(ls "$cache/deb/${pkg%%:*}_"*"_arm64.deb" | grep -F "_${ver//:/%3a}_" | head -n 1)
	fi
	echo "$file"
}
# the linux-image-arm64 metapackage's version in SUITE (a bookworm suite) and the image it depends on
image_of_suite() {
	local ver
	ver=$(apt-cache madison linux-image-arm64:arm64 | awk -F'|' -v s="$1" '$3 ~ s"/main" {gsub(/ /,"",$2); print $2; exit}')
	[ -n "$ver" ] || return 1
	apt-cache depends "linux-image-arm64:arm64=$ver" | awk '/Depends: linux-image-/ {print $2; exit}'
}

step "busybox-static:arm64"
bb_ver=$(apt-cache policy busybox-static:arm64 | awk '/Candidate:/ {print $2}')
bb_deb=$(download "busybox-static:arm64=$bb_ver")
rm -rf "$cache/busybox" && mkdir -p "$cache/busybox"
dpkg-deb -x "$bb_deb" "$cache/busybox"
[ -x "$cache/busybox/bin/busybox" ] || die "busybox-static:arm64 has no bin/busybox"

IFS=, read -r -a wanted <<<"$kernels"
for k in "${wanted[@]}"; do
	case "$k" in
	6.1) image=$(image_of_suite 'bookworm-security' || image_of_suite 'bookworm ') ;;
	6.12) image=$(image_of_suite 'bookworm-backports') ;;
	*) die "unknown kernel '$k' (6.1 or 6.12)" ;;
	esac
	[ -n "${image:-}" ] || die "no linux-image-arm64 for kernel $k in apt's lists (is its suite in the sources?)"
	ver=$(apt-cache policy "$image" | awk '/Candidate:/ {print $2}')
	step "kernel $k: ${image%:arm64} $ver"
	deb=$(download "$image=$ver")
	kdir="$cache/$k"
	rm -rf "$kdir" && mkdir -p "$kdir/pkg"
	dpkg-deb -x "$deb" "$kdir/pkg"
	release=$(ls "$kdir/pkg/lib/modules")
	cp "$kdir/pkg/boot/vmlinuz-$release" "$kdir/Image"
	cp "$kdir/pkg/boot/config-$release" "$kdir/config"
	cp "$kdir/pkg/boot/System.map-$release" "$kdir/System.map"
	echo "$release" >"$kdir/release"
	echo "${image%:arm64} $ver" >"$kdir/package"

	# the initramfs: busybox, init, the command channel, and the virtio modules this kernel
	# builds as modules, in load order (a module missing from the package must be built in)
	root="$kdir/initramfs"
	mkdir -p "$root/bin" "$root/modules" "$root/proc" "$root/sys" "$root/dev"
	cp "$cache/busybox/bin/busybox" "$root/bin/busybox"
	cp "$here/guest/init" "$root/init"
	cp "$here/guest/serve.sh" "$root/serve.sh"
	chmod +x "$root/init"
	: >"$root/modules.order"
	mods="$kdir/pkg/lib/modules/$release/kernel/drivers"
	for m in virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev virtio/virtio_pci \
		char/virtio_console virtio/virtio_mem; do
		name=${m##*/}
		if [ -f "$mods/$m.ko" ]; then
			cp "$mods/$m.ko" "$root/modules/$name.ko"
		elif [ -f "$mods/$m.ko.xz" ]; then
			xz -dc "$mods/$m.ko.xz" >"$root/modules/$name.ko"
		else
			cfg=$(echo "CONFIG_${name}" | tr a-z A-Z)
			case "$name" in virtio_console) cfg=CONFIG_VIRTIO_CONSOLE ;; virtio_pci) cfg=CONFIG_VIRTIO_PCI ;;
				virtio_mem) cfg=CONFIG_VIRTIO_MEM ;; *) cfg=skip ;; esac
			[ "$cfg" = skip ] || grep -qx "$cfg=y" "$kdir/config" ||
				die "kernel $k: $name is neither a module in ${image%:arm64} nor built in"
			continue
		fi
		echo "$name.ko" >>"$root/modules.order"
	done
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -1 >"$kdir/initrd.img"
	rm -rf "$kdir/pkg"
	echo "$k $release (${image%:arm64} $ver): $kdir" >&2
done
step "done; cache: $cache"
