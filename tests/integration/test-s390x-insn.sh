#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instruction exceptions of vccw-vm's s390x CPU back-end against the PoP and QEMU: the
# bare-metal image build/s390x/insntest.elf (guest/arch/s390x/insntest.c) executes
# privileged and control instructions with bad operands and reports each program
# interruption (code, ILC, old PSW) or condition code against the architected answer.
# It runs on vccw-vm and on qemu-system-s390x; every case must pass on both. Each host
# has one virtio device, so that the virtual channel path exists (RCHP, machine check).
# Usage: test-s390x-insn.sh [path/to/vccw-vm]. Last line: "N passed, N failed, N skipped".
set -u
VM=${1:-${VCCW_VM:-$(dirname "$(readlink -f "$0")")/../vccw-vm}}
ELF=$(dirname "$VM")/s390x/insntest.elf
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0 skipped=0

# results HOST FILE: one PASS/FAIL line per RESULT line of the guest's output.
results() {
	local host=$1 file=$2 name res n=0
	while read -r _ name res; do
		n=$((n + 1))
		if [ "$res" = PASS ]; then
			echo "PASS ${host}_$name"
			passed=$((passed + 1))
		else
			echo "FAIL ${host}_$name: $(grep -a " $name:" "$file")"
			failed=$((failed + 1))
		fi
	done < <(grep -a '^RESULT ' "$file")
	if [ "$n" -eq 0 ]; then
		echo "FAIL ${host}_insntest: no results: $(cat "$file")"
		failed=$((failed + 1))
	elif ! grep -aq '^insntest: [0-9]* failed' "$file"; then
		# A case that hangs or kills the guest leaves the cases after it unreported.
		echo "FAIL ${host}_insntest_end: the image stopped after $n cases: $(tail -n 2 "$file")"
		failed=$((failed + 1))
	fi
}

if [ ! -f "$ELF" ]; then
	echo "SKIP insntest: $ELF not built (make guest-s390x)"
	skipped=$((skipped + 1))
elif "$VM" -kernel "$ELF" -m 1M 2>&1 | grep -q NO_UNICORN; then
	echo "SKIP vccw_insntest: no s390x CPU back-end in this vccw-vm (built with NO_UNICORN=1)"
	skipped=$((skipped + 1))
else
	timeout 60 "$VM" -m 128M -kernel "$ELF" -device virtio-rng-ccw >"$T/vccw.out" 2>&1
	results vccw "$T/vccw.out"
fi
if [ -f "$ELF" ] && command -v qemu-system-s390x >/dev/null; then
	timeout 60 qemu-system-s390x -machine s390-ccw-virtio -display none -nodefaults -m 128M \
		-kernel "$ELF" -chardev stdio,id=con -device sclpconsole,chardev=con \
		-device virtio-rng-ccw \
		</dev/null >"$T/qemu.out" 2>&1
	results qemu "$T/qemu.out"
else
	echo "SKIP qemu_insntest: qemu-system-s390x (qemu-system-misc) or the image is missing"
	skipped=$((skipped + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
