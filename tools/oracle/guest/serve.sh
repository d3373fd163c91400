#!/bin/busybox sh
# The oracle's command channel (guest side).  One request a line: "ID COMMAND [ARGS]"; the reply
# is the command's output, then "@@END ID RC" on a line of its own.  The host (GuestChannel.swift)
# sends one request at a time and reads up to the matching end line.
mem=/sys/devices/system/memory

# one line per memory block: "NUMBER STATE PHYS_INDEX(hex section number)"; the shell's own
# read, not cat: a fork costs tens of milliseconds under TCG
blocks() {
	read -r bs <$mem/block_size_bytes
	echo "block_size_bytes $bs"
	for d in $mem/memory*; do
		[ -d "$d" ] || continue
		read -r st <"$d/state"
		read -r pi <"$d/phys_index"
		echo "block ${d##*/memory} $st $pi"
	done
}

# set_state NUMBER online_movable|offline
set_state() {
	[ -e "$mem/memory$1/state" ] || { echo "no memory block $1"; return 1; }
	read -r st <"$mem/memory$1/state"
	[ "$st" = "${2%_movable}" ] && return 0
	echo "$2" >"$mem/memory$1/state"
}

# raw: no echo of the requests, no CR added to the replies
stty raw -echo 2>/dev/null
echo "@@READY"
while read -r id cmd a1 a2; do
	rc=0
	case "$cmd" in
	ping) echo pong ;;
	blocks) blocks ;;
	online) set_state "$a1" online_movable || rc=1 ;;
	offline) set_state "$a1" offline || rc=1 ;;
	online-all)
		for d in $mem/memory*; do
			read -r st <"$d/state"
			[ "$st" = offline ] || continue
			echo online_movable >"$d/state" || rc=1
		done ;;
	iomem) while read -r l; do echo "$l"; done </proc/iomem ;;
	meminfo) cat /proc/meminfo ;;
	cmdline) cat /proc/cmdline ;;
	uname) uname -r ;;
	dmesg) dmesg -c ;;
	poweroff) echo "@@END $id 0"; poweroff -f ;;
	*) echo "unknown command: $cmd"; rc=2 ;;
	esac
	echo "@@END $id $rc"
done
