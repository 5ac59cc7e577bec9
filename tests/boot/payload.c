// SPDX-License-Identifier: MIT
/*
 * The program the firmware-boot tests put on their disks: a bare-metal s390x payload
 * (the guest's s390x start-up code, SCLP console and printf) that a boot loader starts
 * from its IPL PSW at 0x10000. It prints a fixed greeting, the subchannel the firmware
 * booted from (lowcore 0xb8, stored before the jump) and the IPL information block it
 * reads back with DIAGNOSE 0x308 subcode 6, then stops in a disabled wait whose address
 * ends in 0xfff: QEMU's (and vccw-vm's) clean-stop convention. Built with -DPAYLOAD_REIPL
 * (bootpayload-reipl.elf) it first re-IPLs the machine once (DIAGNOSE 0x308 subcode 3),
 * keeping a marker in storage to know the second boot.
 */
#include <stdint.h>

#include "guest/arch.h"
#include "guest/lib.h"

#define PSW_MASK_WAIT 0x0002000000000000ull
#define PSW_MASK_64 0x0000000180000000ull

int guest_bootpayload_main(void);

static uint8_t iplb[4096] __attribute__((aligned(4096)));

/* DIAGNOSE 0x308 subcode 6 into @buf (page aligned); returns the return code (R1 + 1). */
static unsigned long diag308_store(void *buf)
{
	/* Register variables are set right before the asm: no call may come between. */
	register unsigned long r2 asm("2") = (unsigned long)buf;
	register unsigned long r3 asm("3") = 0;
	register unsigned long r4 asm("4") = 6;

	asm volatile("diag 2,4,0x308" : "+d"(r3) : "d"(r2), "d"(r4) : "memory");
	return r3;
}

#ifdef PAYLOAD_REIPL
/* Marker of the first boot, in storage the firmware and a SCSI-scheme load leave alone. */
#define REIPL_MARK_ADDR 0x8000
#define REIPL_MARK 0x5245495049504c31ull /* "REIPIPL1" */

/* DIAGNOSE 0x308 subcode 3: load clear, the machine IPLs again with the same IPLB. */
static void diag308_reipl(void)
{
	register unsigned long r3 asm("3") = 3;

	asm volatile("diag 2,3,0x308" : : "d"(r3) : "memory");
}
#endif

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int guest_bootpayload_main(void)
{
	const volatile uint16_t *sid = guest_arch_ptr(0xb8);
	static struct {
		uint64_t mask, addr;
	} stop __attribute__((aligned(8))) = { PSW_MASK_WAIT | PSW_MASK_64, 0xfff };
	unsigned long rc;

	guest_printf("vccw boot payload: hello from the boot disk\n");
	guest_printf("vccw boot payload: booted from subchannel 0.%x.%04x\n", (sid[0] >> 1) & 3,
		     sid[1]);
#ifdef PAYLOAD_REIPL
	{
		volatile uint64_t *mark = guest_arch_ptr(REIPL_MARK_ADDR);

		if (*mark != REIPL_MARK) {
			*mark = REIPL_MARK;
			guest_printf("vccw boot payload: re-IPL (DIAGNOSE 0x308 subcode 3)\n");
			diag308_reipl();
			guest_printf("vccw boot payload: re-IPL returned\n");
		} else {
			*mark = 0;
			guest_printf("vccw boot payload: booted again after re-IPL\n");
		}
	}
#endif
	rc = diag308_store(iplb);
	guest_printf("vccw boot payload: diag308 store rc=%04lx iplb len=%u pbt=%02x flags=%02x "
		     "loadparm=%02x ssid=%u devno=%04x\n",
		     rc, be32(iplb), iplb[12], iplb[13], iplb[16], iplb[109],
		     (unsigned int)(iplb[110] << 8 | iplb[111]));
	guest_printf("vccw boot payload: done\n");
	asm volatile("lpswe %0" : : "Q"(stop) : "memory");
	return 0;
}
