// SPDX-License-Identifier: MIT
/*
 * s390x only: the guest side of make bench's s390x rows (bench/bench_s390x.c), run on
 * vccw-vm's s390x back-end and on qemu-system-s390x: an instruction-bound loop of
 * register instructions (AGHI, XGR, BRCTG) and 4 KiB virtio-blk reads through the
 * guest's own drivers, each timed with the CPU timer and printed as a "BENCH" line.
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"

#define LOOP_ITERATIONS 100000000ul /* 3 instructions each */
#define BLK_READS 2000u

int guest_bench_main(void);

static uint8_t rbuf[4096] __attribute__((aligned(4096)));

int guest_bench_main(void)
{
	unsigned long n = LOOP_ITERATIONS, acc = 0, x = 0x5a5a;
	struct guest_blk *blk;
	uint64_t t0, t1;
	unsigned int i;

	t0 = guest_arch_now_us();
	asm volatile("0:	aghi	%[acc],3\n"
		     "	xgr	%[x],%[acc]\n"
		     "	brctg	%[n],0b\n"
		     : [n] "+d"(n), [acc] "+d"(acc), [x] "+d"(x)
		     :
		     : "cc");
	t1 = guest_arch_now_us();
	guest_printf("BENCH loop insns %lu us %llu\n", 3 * LOOP_ITERATIONS,
		     (unsigned long long)(t1 - t0));

	guest_drivers_register_all();
	if (guest_cio_init() < 0 || !(blk = guest_blk_get(0))) {
		guest_printf("BENCH blk: no virtio-blk device\n");
		return 1;
	}
	t0 = guest_arch_now_us();
	for (i = 0; i < BLK_READS; i++) {
		if (guest_blk_read(blk, (i % 256) * 8, rbuf, 8)) {
			guest_printf("BENCH blk: read %u failed\n", i);
			return 1;
		}
	}
	t1 = guest_arch_now_us();
	guest_printf("BENCH blk4k reads %u us %llu\n", BLK_READS, (unsigned long long)(t1 - t0));
	guest_cio_exit();
	return 0;
}
