// SPDX-License-Identifier: MIT
/*
 * Unit tests of machine/boot/ipl.c without a CPU: the firmware ELF loader (placement at
 * QEMU 7.2's address, R_390_RELATIVE relocations, refusal of broken images), the IPLB
 * of the boot device, the IPL start state in guest RAM, and DIAGNOSE 0x308 on register
 * values against QEMU's target/s390x/diag.c: privileged, specification and addressing
 * exceptions, store/set return codes, and the reset actions with the PSW loaded from
 * absolute 0. Firmware images are built here byte by byte; Debian's s390-ccw.img is
 * loaded too when it is installed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipl.h"
#include "test.h"
#include "vccw/byteorder.h"
#include "vccw/mem.h"

#define RAM (UINT64_C(128) << 20)

static uint8_t *ram;
static struct vccw_mem *mem;

static void ram_setup(uint64_t size)
{
	struct vccw_err err = { 0 };

	free(ram);
	vccw_mem_free(mem);
	ram = calloc(1, size);
	mem = ram ? vccw_mem_wrap(ram, size, &err) : NULL;
}

/*
 * A small position-independent s390x firmware: one text segment at 0 (entry 0x400),
 * one data segment at 0x2000 with 0x100 bytes in the file and 0x3000 in memory, a
 * dynamic segment inside it whose RELA table (in the text segment) relocates two words.
 */
#define FW_LEN 0x2200
#define FW_DATA_OFF 0x2000
static uint8_t fw[FW_LEN];

static void phdr(uint8_t *p, uint32_t type, uint64_t off, uint64_t vaddr, uint64_t filesz,
		 uint64_t memsz)
{
	vccw_st_be32(p, type);
	vccw_st_be64(p + 8, off);
	vccw_st_be64(p + 16, vaddr);
	vccw_st_be64(p + 24, vaddr);
	vccw_st_be64(p + 32, filesz);
	vccw_st_be64(p + 40, memsz);
}

static void rela(uint8_t *p, uint64_t where, uint32_t type, uint64_t addend)
{
	vccw_st_be64(p, where);
	vccw_st_be64(p + 8, type);
	vccw_st_be64(p + 16, addend);
}

static void build_fw(void)
{
	uint8_t *dyn = fw + FW_DATA_OFF + 0x40;

	memset(fw, 0, sizeof(fw));
	memcpy(fw, "\177ELF", 4);
	fw[4] = 2; /* ELFCLASS64 */
	fw[5] = 2; /* big-endian */
	fw[6] = 1;
	vccw_st_be16(fw + 16, 3);  /* ET_DYN */
	vccw_st_be16(fw + 18, 22); /* EM_S390 */
	vccw_st_be64(fw + 24, 0x400);
	vccw_st_be64(fw + 32, 64);
	vccw_st_be16(fw + 54, 56);
	vccw_st_be16(fw + 56, 3);
	phdr(fw + 64, 1, 0, 0, 0x1000, 0x1000);
	phdr(fw + 64 + 56, 1, FW_DATA_OFF, 0x2000, 0x100, 0x3000);
	phdr(fw + 64 + 112, 2, FW_DATA_OFF + 0x40, 0x2040, 0x40, 0x40);
	/* Text: a recognisable pattern at the entry. */
	memset(fw + 0x400, 0x07, 16);
	/* RELA table at 0x200: two relative relocations into the data segment. */
	rela(fw + 0x200, 0x2008, 12, 0x2800);
	rela(fw + 0x218, 0x2010, 12, 0x400);
	vccw_st_be64(fw + FW_DATA_OFF + 8, 0x2800); /* what the linker leaves there */
	vccw_st_be64(fw + FW_DATA_OFF + 0x18, 0x1234); /* not relocated */
	/* Dynamic: DT_RELA 0x200, DT_RELASZ 48, DT_RELAENT 24, DT_NULL. */
	vccw_st_be64(dyn, 7);
	vccw_st_be64(dyn + 8, 0x200);
	vccw_st_be64(dyn + 16, 8);
	vccw_st_be64(dyn + 24, 48);
	vccw_st_be64(dyn + 32, 9);
	vccw_st_be64(dyn + 40, 24);
}

TEST(test_ipl_fw_base_follows_qemu_7_2)
{
	/* Measured under QEMU 7.2 (firmware-boot.md 4.1). */
	CHECK_EQ(vm_ipl_fw_base(UINT64_C(128) << 20), 0x7e00000);
	CHECK_EQ(vm_ipl_fw_base(UINT64_C(256) << 20), 0xfe00000);
	CHECK_EQ(vm_ipl_fw_base(UINT64_C(4) << 30), 0x7fe00000);
	/* Not a multiple of 64 KiB: rounded down. */
	CHECK_EQ(vm_ipl_fw_base((UINT64_C(100) << 20) + 0x1234), 0x6200000);
	CHECK_EQ(vm_ipl_fw_base(UINT64_C(2) << 20), 0);
}

TEST(test_ipl_elf_loaded_at_fw_base_with_relocations)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	struct vm_ipl_psw psw = { 0 };
	const uint64_t base = 0x7e00000;

	ram_setup(RAM);
	REQUIRE(mem);
	build_fw();
	vm_ipl_init(&ipl);
	REQUIRE(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == 0);
	CHECK_EQ(ipl.fw_base, base);
	CHECK_EQ(ipl.entry, base + 0x400);
	CHECK_EQ(ipl.fw_end, base + 0x5000);
	/* Dirty the bss range: the start must zero it as QEMU's ROM reset does. */
	memset(ram + base + 0x2100, 0xee, 0x2f00);
	memset(ram, 0xff, 0x200);
	REQUIRE(vm_ipl_start(&ipl, mem, &psw) == 0);
	CHECK_EQ(psw.mask, 0x0000000180000000);
	CHECK_EQ(psw.addr, base + 0x400);
	CHECK_EQ(ram[base + 0x400], 0x07);
	CHECK_EQ(vccw_ld_be64(ram + base + 0x2008), base + 0x2800);
	CHECK_EQ(vccw_ld_be64(ram + base + 0x2010), base + 0x400);
	CHECK_EQ(vccw_ld_be64(ram + base + 0x2018), 0x1234);
	CHECK_EQ(ram[base + 0x2100], 0);
	CHECK_EQ(ram[base + 0x4fff], 0);
	CHECK_EQ(ram[base + 0x5000], 0);
	/* No boot device: the IPL parameters at 0xcc are all zero, nothing else written. */
	for (unsigned int i = 0; i < 28; i++)
		CHECK_EQ(ram[0xcc + i], 0);
	CHECK_EQ(ram[0xcb], 0xff);
	CHECK_EQ(ram[0xcc + 28], 0xff);
	vm_ipl_fini(&ipl);
}

TEST(test_ipl_elf_broken_images_refused)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;

	vm_ipl_init(&ipl);
	/* Wrong machine. */
	build_fw();
	vccw_st_be16(fw + 18, 62);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	CHECK(!ipl.have_fw);
	/* Segment data beyond the end of the file. */
	build_fw();
	phdr(fw + 64 + 56, 1, FW_DATA_OFF, 0x2000, 0x300, 0x3000);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	/* A file size above the memory size. */
	build_fw();
	phdr(fw + 64 + 56, 1, FW_DATA_OFF, 0x2000, 0x100, 0x80);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	/* A segment reaching past the end of RAM (and one whose address wraps). */
	build_fw();
	phdr(fw + 64 + 56, 1, FW_DATA_OFF, 0x2000, 0x100, UINT64_C(3) << 20);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	build_fw();
	phdr(fw + 64 + 56, 1, FW_DATA_OFF, UINT64_MAX - 0xfff, 0x100, 0x1000);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	/* A relocation of another type, and one pointing into the bss (not file data). */
	build_fw();
	rela(fw + 0x218, 0x2010, 22, 0x400);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	CHECK(strstr(err.msg, "relocation type 22") != NULL);
	build_fw();
	rela(fw + 0x218, 0x2100, 12, 0x400);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	build_fw();
	rela(fw + 0x218, UINT64_MAX - 3, 12, 0x400);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	/* Entry outside every segment. */
	build_fw();
	vccw_st_be64(fw + 24, 0x9000);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	/* Truncated header; too many program headers. */
	build_fw();
	CHECK(vm_ipl_fw_parse(&ipl, fw, 40, RAM, &err) == -EINVAL);
	vccw_st_be16(fw + 56, 1000);
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == -EINVAL);
	/* Too little RAM for QEMU's placement. */
	build_fw();
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), UINT64_C(2) << 20, &err) == -EINVAL);
	/* The good one still loads after all that. */
	CHECK(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == 0);
	CHECK(ipl.have_fw);
	vm_ipl_fini(&ipl);
}

TEST(test_ipl_raw_image_at_0x9000)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	struct vm_ipl_psw psw;
	uint8_t raw[4097];

	ram_setup(RAM);
	REQUIRE(mem);
	memset(raw, 0x47, sizeof(raw));
	vm_ipl_init(&ipl);
	CHECK(vm_ipl_fw_parse(&ipl, raw, sizeof(raw), RAM, &err) == -EINVAL);
	REQUIRE(vm_ipl_fw_parse(&ipl, raw, 4096, RAM, &err) == 0);
	REQUIRE(vm_ipl_start(&ipl, mem, &psw) == 0);
	CHECK_EQ(psw.addr, 0x9000);
	CHECK_EQ(ram[0x9000], 0x47);
	CHECK_EQ(ram[0x9fff], 0x47);
	CHECK_EQ(ram[0xa000], 0);
	vm_ipl_fini(&ipl);
}

TEST(test_ipl_start_without_firmware_or_room)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	struct vm_ipl_psw psw;

	vm_ipl_init(&ipl);
	ram_setup(RAM);
	REQUIRE(mem);
	CHECK(vm_ipl_start(&ipl, mem, &psw) == -ENOENT);
	/* Parsed for 256 MiB but started in 128 MiB: nothing fits. */
	build_fw();
	REQUIRE(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), UINT64_C(256) << 20, &err) == 0);
	CHECK(vm_ipl_start(&ipl, mem, &psw) == -EFAULT);
	vm_ipl_fini(&ipl);
}

TEST(test_ipl_debian_s390_ccw_img)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	struct vm_ipl_psw psw;
	const uint64_t base = 0x7e00000;

	vm_ipl_init(&ipl);
	if (vm_ipl_fw_load_file(&ipl, VM_IPL_DEFAULT_BIOS, RAM, &err) == -ENOENT)
		SKIP("%s is not installed (Debian package qemu-system-data)", VM_IPL_DEFAULT_BIOS);
	REQUIRE(ipl.have_fw);
	ram_setup(RAM);
	REQUIRE(mem);
	REQUIRE(vm_ipl_start(&ipl, mem, &psw) == 0);
	/* firmware-boot.md 1: entry 0x3e8, image and bss up to 0x44000. */
	CHECK_EQ(psw.addr, base + 0x3e8);
	CHECK(ipl.fw_end <= base + 0x44000 && ipl.fw_end > base + 0x40000);
	/* The GOT word QEMU was seen to relocate: 0x19288 + base. */
	CHECK_EQ(vccw_ld_be64(ram + base + 0xeff0), base + 0x19288);
	vm_ipl_fini(&ipl);
}

TEST(test_ipl_loadparm_rules)
{
	struct vccw_err err = { 0 };
	uint8_t lp[8];

	CHECK(vm_ipl_loadparm_parse("", lp, &err) == 0);
	CHECK(!memcmp(lp, "\x40\x40\x40\x40\x40\x40\x40\x40", 8));
	CHECK(vm_ipl_loadparm_parse("a1.Z9 s", lp, &err) == 0);
	CHECK(!memcmp(lp, "\xc1\xf1\x4b\xe9\xf9\x40\xe2\x40", 8));
	CHECK(vm_ipl_loadparm_parse("PROMPT", lp, &err) == 0);
	CHECK(!memcmp(lp, "\xd7\xd9\xd6\xd4\xd7\xe3\x40\x40", 8));
	CHECK(vm_ipl_loadparm_parse("123456789", lp, &err) == -EINVAL);
	CHECK(vm_ipl_loadparm_parse("a_b", lp, &err) == -EINVAL);
	CHECK(strstr(err.msg, "'_'") != NULL);
}

static void boot_iplb_setup(struct vm_ipl *ipl)
{
	vm_ipl_init(ipl);
	vm_ipl_set_boot_device(ipl, 0, 0x0001, NULL);
}

TEST(test_ipl_boot_device_iplb_and_qipl)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	struct vm_ipl_psw psw;
	uint8_t lp[8];

	ram_setup(RAM);
	REQUIRE(mem);
	build_fw();
	vm_ipl_init(&ipl);
	vm_ipl_set_boot_device(&ipl, 1, 0x0815, NULL);
	REQUIRE(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == 0);
	/* The block QEMU stored for bootindex=1 (firmware-boot.md 4.3). */
	CHECK_EQ(vccw_ld_be32(ipl.iplb), 200);
	CHECK_EQ(vccw_ld_be32(ipl.iplb + 8), 192);
	CHECK_EQ(ipl.iplb[12], 2);
	CHECK_EQ(ipl.iplb[13], 0x80);
	CHECK(!memcmp(ipl.iplb + 16, "\x40\x40\x40\x40\x40\x40\x40\x40", 8));
	CHECK_EQ(ipl.iplb[109], 1);
	CHECK_EQ(vccw_ld_be16(ipl.iplb + 110), 0x0815);
	REQUIRE(vm_ipl_start(&ipl, mem, &psw) == 0);
	CHECK_EQ(ram[0xcc], 0x40);
	/* A device loadparm goes into the IPLB and to SCLP Read SCP Info. */
	REQUIRE(vm_ipl_loadparm_parse("1", lp, &err) == 0);
	vm_ipl_set_boot_device(&ipl, 0, 0x0001, lp);
	vm_ipl_scp_loadparm(&ipl, lp);
	CHECK(!memcmp(lp, "\xf1\x40\x40\x40\x40\x40\x40\x40", 8));
	vm_ipl_fini(&ipl);
}

static uint64_t gprs[16];

static enum vm_ipl_action diag(struct vm_ipl *ipl, bool pstate, unsigned int r1, unsigned int r3,
			       enum vccw_insn_rc *pgm)
{
	return vm_ipl_diag308(ipl, mem, pstate, r1, r3, gprs, pgm);
}

TEST(test_ipl_diag308_store_iplb)
{
	struct vm_ipl ipl;
	enum vccw_insn_rc pgm;

	ram_setup(RAM);
	REQUIRE(mem);
	boot_iplb_setup(&ipl);
	memset(ram + 0x19000, 0xaa, 4096);
	memset(gprs, 0, sizeof(gprs));
	gprs[2] = 0x19000;
	gprs[4] = 6;
	CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[3], 0x0001);
	CHECK(!memcmp(ram + 0x19000, ipl.iplb, 200));
	/* Only the block's length is stored. */
	CHECK_EQ(ram[0x19000 + 200], 0xaa);
	/* No IPLB: rc 0x0102, nothing stored. */
	vm_ipl_init(&ipl);
	memset(ram + 0x1a000, 0xaa, 4096);
	gprs[2] = 0x1a000;
	CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[3], 0x0102);
	CHECK_EQ(ram[0x1a000], 0xaa);
}

TEST(test_ipl_diag308_exceptions)
{
	struct vm_ipl ipl;
	enum vccw_insn_rc pgm;

	ram_setup(RAM);
	REQUIRE(mem);
	boot_iplb_setup(&ipl);
	memset(gprs, 0, sizeof(gprs));
	gprs[3] = 0x5555;
	/* Problem state: privileged operation, before anything else. */
	gprs[2] = 0x19001;
	gprs[4] = 6;
	CHECK_EQ(diag(&ipl, true, 2, 4, &pgm), VM_IPL_ACT_PROGRAM);
	CHECK_EQ(pgm, VCCW_PGM_PRIVILEGED_OP);
	/* IPLB address not 4K aligned; odd R1 (which also rules out R1 = 15). */
	CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_PROGRAM);
	CHECK_EQ(pgm, VCCW_PGM_SPECIFICATION);
	gprs[3] = 0x19000;
	CHECK_EQ(diag(&ipl, false, 3, 4, &pgm), VM_IPL_ACT_PROGRAM);
	CHECK_EQ(pgm, VCCW_PGM_SPECIFICATION);
	gprs[15] = 0x19000;
	gprs[4] = 5;
	CHECK_EQ(diag(&ipl, false, 15, 4, &pgm), VM_IPL_ACT_PROGRAM);
	CHECK_EQ(pgm, VCCW_PGM_SPECIFICATION);
	/* The page must be all in RAM: the last page is, the next one and a wrap are not. */
	gprs[2] = RAM - 4096;
	gprs[4] = 6;
	CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_NONE);
	gprs[2] = RAM;
	CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_PROGRAM);
	CHECK_EQ(pgm, VCCW_PGM_ADDRESSING);
	gprs[2] = UINT64_MAX & ~UINT64_C(0xfff);
	gprs[4] = 5;
	CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_PROGRAM);
	CHECK_EQ(pgm, VCCW_PGM_ADDRESSING);
	/* Subcodes QEMU does not have: 2, 4 (dump), 7, 8-10 without PV, above 0xffff. */
	const uint64_t bad[] = { 2, 4, 7, 8, 9, 10, 0xffff, 0x10001, UINT64_C(1) << 63 };
	for (unsigned int i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		gprs[4] = bad[i];
		CHECK_EQ(diag(&ipl, false, 2, 4, &pgm), VM_IPL_ACT_PROGRAM);
		CHECK_EQ(pgm, VCCW_PGM_SPECIFICATION);
	}
	/* None of the refused ones touched R1 + 1. */
	CHECK_EQ(gprs[3], 0x0001);
}

TEST(test_ipl_diag308_set_iplb)
{
	struct vm_ipl ipl;
	enum vccw_insn_rc pgm;
	uint8_t *b;
	uint8_t lp[8];

	ram_setup(RAM);
	REQUIRE(mem);
	b = ram + 0x20000;
	vm_ipl_init(&ipl);
	memset(gprs, 0, sizeof(gprs));
	gprs[6] = 0x20000;
	gprs[8] = 5;
	/* A CCW block of 200 bytes for devno 0x1234, ssid 2, loadparm "7". */
	memset(b, 0xcc, 4096);
	memset(b, 0, 200);
	vccw_st_be32(b, 200);
	b[12] = 2;
	b[13] = 0x80;
	memcpy(b + 16, "\xf7\x40\x40\x40\x40\x40\x40\x40", 8);
	b[109] = 2;
	vccw_st_be16(b + 110, 0x1234);
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[7], 0x0001);
	CHECK(ipl.iplb_valid);
	CHECK_EQ(vccw_ld_be16(ipl.iplb + 110), 0x1234);
	/* Bytes past the length are not taken. */
	CHECK_EQ(ipl.iplb[200], 0);
	vm_ipl_scp_loadparm(&ipl, lp);
	CHECK_EQ(lp[0], 0xf7);
	/* Stored back through subcode 6 elsewhere: the same 200 bytes. */
	gprs[8] = 6;
	gprs[6] = 0x30000;
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK(!memcmp(ram + 0x30000, b, 200));

	/* Invalid blocks: rc 0x0402 and the IPLB unchanged. */
	gprs[6] = 0x20000;
	gprs[8] = 5;
	vccw_st_be32(b, 199); /* CCW shorter than 200 */
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[7], 0x0402);
	vccw_st_be32(b, 4097); /* longer than the page */
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[7], 0x0402);
	vccw_st_be32(b, 300);
	b[12] = 0xff; /* QEMU's private SCSI type: not valid to set in 7.2 */
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[7], 0x0402);
	b[12] = 0; /* FCP needs 384 */
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[7], 0x0402);
	CHECK_EQ(vccw_ld_be16(ipl.iplb + 110), 0x1234);
	CHECK_EQ(ipl.iplb[12], 2);
	vccw_st_be32(b, 4096);
	CHECK_EQ(diag(&ipl, false, 6, 8, &pgm), VM_IPL_ACT_NONE);
	CHECK_EQ(gprs[7], 0x0001);
	CHECK_EQ(ipl.iplb[12], 0);
	CHECK_EQ(ipl.iplb[4095], 0xcc);
}

TEST(test_ipl_diag308_reset_actions_and_load_psw)
{
	struct vccw_err err = { 0 };
	struct vm_ipl ipl;
	struct vm_ipl_psw psw;
	enum vccw_insn_rc pgm;

	ram_setup(RAM);
	REQUIRE(mem);
	boot_iplb_setup(&ipl);
	build_fw();
	REQUIRE(vm_ipl_fw_parse(&ipl, fw, sizeof(fw), RAM, &err) == 0);
	memset(gprs, 0, sizeof(gprs));
	gprs[1] = 1;
	CHECK_EQ(diag(&ipl, false, 0, 1, &pgm), VM_IPL_ACT_LOAD_NORMAL);
	gprs[1] = 0;
	CHECK_EQ(diag(&ipl, false, 0, 1, &pgm), VM_IPL_ACT_MODIFIED_CLEAR);
	gprs[1] = 3;
	CHECK_EQ(diag(&ipl, false, 0, 1, &pgm), VM_IPL_ACT_REIPL);
	/* Reset subcodes use no address: an odd R1 is fine. */
	CHECK_EQ(diag(&ipl, false, 1, 1, &pgm), VM_IPL_ACT_REIPL);

	/* zipl's 31-bit IPL PSW and a 64-bit one (firmware-boot.md 4.6). */
	vccw_st_be64(ram, UINT64_C(0x0008000080010000));
	REQUIRE(vm_ipl_restart(&ipl, mem, VM_IPL_ACT_LOAD_NORMAL, &psw) == 0);
	CHECK_EQ(psw.mask, UINT64_C(0x0000000080000000));
	CHECK_EQ(psw.addr, 0x10000);
	vccw_st_be64(ram, UINT64_C(0x0008000180010000));
	REQUIRE(vm_ipl_restart(&ipl, mem, VM_IPL_ACT_MODIFIED_CLEAR, &psw) == 0);
	CHECK_EQ(psw.mask, UINT64_C(0x0000000180000000));
	CHECK_EQ(psw.addr, 0x10000);
	/* Without the short-PSW bit the loaded mask has bit 12: an invalid PSW. */
	vccw_st_be64(ram, UINT64_C(0x0000000080010000));
	REQUIRE(vm_ipl_restart(&ipl, mem, VM_IPL_ACT_LOAD_NORMAL, &psw) == 0);
	CHECK_EQ(psw.mask, UINT64_C(0x0008000080000000));

	/* Re-IPL: the firmware is loaded again over whatever the guest left there. */
	memset(ram + ipl.fw_base, 0, 0x5000);
	REQUIRE(vm_ipl_restart(&ipl, mem, VM_IPL_ACT_REIPL, &psw) == 0);
	CHECK_EQ(psw.addr, ipl.entry);
	CHECK_EQ(ram[ipl.entry], 0x07);
	CHECK_EQ(vccw_ld_be64(ram + ipl.fw_base + 0x2008), ipl.fw_base + 0x2800);
	CHECK(vm_ipl_restart(&ipl, mem, VM_IPL_ACT_NONE, &psw) == -EINVAL);
	vm_ipl_fini(&ipl);
	free(ram);
	vccw_mem_free(mem);
	ram = NULL;
	mem = NULL;
}
