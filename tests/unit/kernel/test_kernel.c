// SPDX-License-Identifier: MIT
/*
 * Unit tests of machine/boot/kernel.c without a CPU: s390 Linux kernel images, -initrd
 * and -append loaded as QEMU 7.2's hw/s390x/ipl.c loads them (image at 0, entry 0x10000
 * for an "S390EP" image, command line at 0x10480 within the image's own limit at
 * 0x10430, initrd at 8 MiB or past the image, its address and size at 0x10408/0x10410),
 * on images built here byte by byte, hostile ones included (truncated, bigger than RAM,
 * an initrd that would not fit, PSWs pointing outside RAM). Debian's kernel is loaded
 * too when tests/linux has unpacked it in $O/linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel.h"
#include "test.h"
#include "vccw/byteorder.h"
#include "vccw/mem.h"

#define MiB (UINT64_C(1) << 20)

static uint8_t *ram;
static uint64_t ram_size;
static struct vccw_mem *mem;
static char dir[] = "/tmp/vccw-kernel-test.XXXXXX";
static char kpath[64], ipath[64];

static void ram_setup(uint64_t size)
{
	struct vccw_err err = { 0 };

	free(ram);
	vccw_mem_free(mem);
	ram = calloc(1, size);
	ram_size = size;
	mem = ram ? vccw_mem_wrap(ram, size, &err) : NULL;
}

static void write_file(const char *path, const uint8_t *buf, size_t len, uint64_t total)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || (len && write(fd, buf, len) != (ssize_t)len) ||
	    ftruncate(fd, (off_t)total) < 0)
		abort();
	close(fd);
}

static void cleanup(void)
{
	unlink(kpath);
	unlink(ipath);
	rmdir(dir);
	free(ram);
	vccw_mem_free(mem);
}

static void paths(void)
{
	if (!kpath[0]) {
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
		snprintf(kpath, sizeof(kpath), "%s/kernel", dir);
		snprintf(ipath, sizeof(ipath), "%s/initrd", dir);
	}
}

/*
 * A Linux image of @size bytes (at least 0x10480): the short IPL PSW at 0, a jump and
 * "S390EP" at 0x10000, the parameter area with @max at 0x10430 and a built-in command
 * line, a recognisable byte pattern elsewhere. Written to kpath; returns the bytes.
 */
static uint8_t *linux_image(uint64_t size, uint64_t max, bool magic)
{
	uint8_t *img = malloc(size);
	uint64_t i;

	paths();
	for (i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 7 + (i >> 12));
	vccw_st_be32(img, 0x00080000);
	vccw_st_be32(img + 4, 0x80010000);
	memset(img + 0x10400, 0, 0x80);
	memcpy(img + 0x10000, "\xa7\xf4\x00\x10\x00\x00\x00\x00", 8);
	if (magic)
		memcpy(img + VM_KERNEL_MAGIC_ADDR, "S390EP", 6);
	vccw_st_be64(img + VM_KERNEL_CMDLINE_MAX_ADDR, max);
	strcpy((char *)img + VM_KERNEL_CMDLINE_ADDR, "root=/dev/ram0 ro");
	write_file(kpath, img, (size_t)size, size);
	return img;
}

static uint8_t *initrd_file(uint64_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	uint64_t i;

	paths();
	for (i = 0; i < size; i++)
		buf[i] = (uint8_t)(0xa5 ^ i ^ (i >> 8));
	write_file(ipath, buf, (size_t)size, size);
	return buf;
}

TEST(test_kernel_linux_image_initrd_and_cmdline_as_qemu)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint64_t size = 0x12000;
	uint8_t *img, *rd;

	ram_setup(64 * MiB);
	img = linux_image(size, 0x1000, true);
	rd = initrd_file(5000);
	REQUIRE(vm_kernel_probe(kpath) == 1);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, ipath, "quiet", &st, &err), 0);
	CHECK_MSG(!err.msg[0], "%s", err.msg);
	CHECK(st.is_linux);
	CHECK(st.has_cmdline);
	CHECK_EQ(st.psw_mask, 0x0000000180000000ull);
	CHECK_EQ(st.psw_addr, 0x10000);
	CHECK_EQ(st.image_size, size);
	/* The image at 0, except the fields the loader fills. */
	CHECK(!memcmp(ram, img, 0x10408));
	CHECK(!memcmp(ram + 0x10418, img + 0x10418, 0x10480 - 0x10418));
	CHECK(!memcmp(ram + 0x10480, "quiet", 6)); /* with its NUL */
	/* The built-in line's tail stays after the NUL, as QEMU's strcpy leaves it. */
	CHECK(!memcmp(ram + 0x10480 + 6, "dev/ram0 ro", 12));
	CHECK(!memcmp(ram + 0x10480 + 18, img + 0x10480 + 18, size - 0x10480 - 18));
	/* The initrd at 8 MiB, its address and size in the parameter area. */
	CHECK_EQ(st.initrd_addr, 0x800000);
	CHECK_EQ(st.initrd_size, 5000);
	CHECK_EQ(vccw_ld_be64(ram + 0x10408), 0x800000);
	CHECK_EQ(vccw_ld_be64(ram + 0x10410), 5000);
	CHECK(!memcmp(ram + 0x800000, rd, 5000));
	CHECK_EQ(ram[0x800000 + 5000], 0);
	/* Nothing between the image and the initrd. */
	CHECK_EQ(ram[size], 0);
	free(img);
	free(rd);
}

TEST(test_kernel_no_append_clears_builtin_cmdline_no_initrd_leaves_fields)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img;

	ram_setup(16 * MiB);
	img = linux_image(0x11000, 0x1000, true);
	vccw_st_be64(img + 0x10408, 0x1234); /* whatever the image holds stays */
	write_file(kpath, img, 0x11000, 0x11000);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), 0);
	CHECK_EQ(ram[0x10480], 0); /* QEMU writes "" when -append is not given */
	CHECK_EQ(ram[0x10481], 'o'); /* "root=..." after it */
	CHECK_EQ(vccw_ld_be64(ram + 0x10408), 0x1234);
	CHECK_EQ(st.initrd_addr, 0);
	free(img);
}

TEST(test_kernel_cmdline_limit_from_image_or_legacy_896)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	char line[5000];
	uint8_t *img;

	ram_setup(16 * MiB);
	memset(line, 'x', sizeof(line));
	/* max_command_line_size 0 (kernels before 5.15): 896 bytes with the NUL. */
	img = linux_image(0x12000, 0, true);
	line[895] = 0;
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, line, &st, &err), 0);
	CHECK_EQ(ram[0x10480 + 895], 0);
	line[895] = 'x';
	line[896] = 0;
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, line, &st, &err), -E2BIG);
	CHECK(!strcmp(st.what, "-append"));
	CHECK_MSG(strstr(err.msg, "897 bytes") && strstr(err.msg, "896"), "%s", err.msg);
	free(img);
	/* The kernel's own limit at 0x10430 (4096 in Debian's 6.1). */
	img = linux_image(0x12000, 0x1000, true);
	line[896] = 'x';
	line[4095] = 0;
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, line, &st, &err), 0);
	line[4095] = 'x';
	line[4096] = 0;
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, line, &st, &err), -E2BIG);
	free(img);
	/* A hostile limit bigger than the image: the line must still end inside it. */
	img = linux_image(0x10500, UINT64_MAX, true);
	line[200] = 0;
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, line, &st, &err), -EINVAL);
	CHECK(!strcmp(st.what, "-kernel"));
	CHECK_MSG(strstr(err.msg, "truncated"), "%s", err.msg);
	free(img);
}

TEST(test_kernel_initrd_placed_past_a_big_image)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img, *rd;

	/* A 9.5 MiB image: the initrd goes to the first 1 MiB step 1 MiB past its end. */
	ram_setup(32 * MiB);
	img = linux_image(9 * MiB + MiB / 2, 0x1000, true);
	rd = initrd_file(4096);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, ipath, "x", &st, &err), 0);
	CHECK_EQ(st.initrd_addr, 11 * MiB);
	CHECK(st.initrd_addr >= st.image_size + MiB);
	CHECK_EQ(vccw_ld_be64(ram + 0x10408), 11 * MiB);
	CHECK(!memcmp(ram + 11 * MiB, rd, 4096));
	/* The image is intact up to its end: the initrd overlaps none of it. */
	CHECK(!memcmp(ram + 9 * MiB, img + 9 * MiB, MiB / 2));
	free(img);
	free(rd);
	/* Exactly 7 MiB: 7 + 1 is not above 8, so 8 MiB still. */
	ram_setup(32 * MiB);
	img = linux_image(7 * MiB, 0x1000, true);
	rd = initrd_file(16);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, ipath, "", &st, &err), 0);
	CHECK_EQ(st.initrd_addr, 8 * MiB);
	free(img);
	free(rd);
}

TEST(test_kernel_initrd_that_does_not_fit_refused)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img, *rd;

	ram_setup(16 * MiB);
	img = linux_image(0x11000, 0x1000, true);
	/* 8 MiB from 8 MiB fills a 16 MiB machine exactly. */
	paths();
	write_file(ipath, NULL, 0, 8 * MiB);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, ipath, NULL, &st, &err), 0);
	write_file(ipath, NULL, 0, 8 * MiB + 1);
	memset(ram, 0, ram_size);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, ipath, NULL, &st, &err), -EFBIG);
	CHECK(!strcmp(st.what, "-initrd"));
	CHECK_MSG(strstr(err.msg, "do not fit in RAM"), "%s", err.msg);
	CHECK_EQ(ram[0x100], 0); /* nothing loaded */
	/* RAM smaller than the initrd's address. */
	ram_setup(8 * MiB);
	rd = initrd_file(1);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, ipath, NULL, &st, &err), -EFBIG);
	/* A missing initrd or a directory. */
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, "/nonexistent/initrd", NULL, &st, &err),
		 -ENOENT);
	CHECK(!strcmp(st.what, "-initrd"));
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, dir, NULL, &st, &err), -EINVAL);
	free(img);
	free(rd);
}

TEST(test_kernel_image_bigger_than_ram_refused)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img;

	ram_setup(4 * MiB);
	img = linux_image(0x11000, 0x1000, true);
	write_file(kpath, img, 0x11000, 4 * MiB + 1); /* sparse tail */
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), -EFBIG);
	CHECK(!strcmp(st.what, "-kernel"));
	CHECK_MSG(strstr(err.msg, "does not fit in RAM"), "%s", err.msg);
	CHECK_EQ(ram[0], 0);
	write_file(kpath, img, 0x11000, 4 * MiB);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), 0);
	free(img);
}

TEST(test_kernel_truncated_images_refused)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img;

	ram_setup(16 * MiB);
	img = linux_image(0x11000, 0x1000, true);
	/* Fewer than 8 bytes: no IPL PSW (QEMU: "Could not get IPL PSW"). */
	write_file(kpath, img, 7, 7);
	CHECK_EQ(vm_kernel_probe(kpath), 0);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), -EINVAL);
	CHECK_MSG(strstr(err.msg, "IPL PSW"), "%s", err.msg);
	/* "S390EP" but the file ends inside the parameter area. */
	write_file(kpath, img, 0x10440, 0x10440);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), -EINVAL);
	CHECK_MSG(strstr(err.msg, "parameter area"), "%s", err.msg);
	/* Ends inside the command line being written. */
	write_file(kpath, img, 0x10484, 0x10484);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, "console=ttysclp0", &st, &err),
		 -EINVAL);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, "ab", &st, &err), 0);
	/* Ends before the initrd fields: only reachable without S390EP ... all Linux images
	 * reach 0x10480, so an initrd always has its fields there. */
	free(img);
}

TEST(test_kernel_non_linux_image_starts_at_its_ipl_psw)
{
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img;

	ram_setup(16 * MiB);
	img = linux_image(0x11000, 0x1000, false);
	/* The short PSW's address (bit 32, the addressing-mode bit, dropped). */
	vccw_st_be32(img + 4, 0x80002000);
	write_file(kpath, img, 0x11000, 0x11000);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), 0);
	CHECK(!st.is_linux);
	CHECK(!st.has_cmdline);
	CHECK_EQ(st.psw_addr, 0x2000);
	CHECK_EQ(st.psw_mask, 0x0000000180000000ull);
	CHECK(!memcmp(ram + 0x10480, "root=/dev/ram0 ro", 17)); /* left alone */
	/* A command line has nowhere to go. */
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, "x", &st, &err), -EINVAL);
	CHECK(!strcmp(st.what, "-append"));
	/* An entry at 0x800 (old kernels' SALIPL loader) starts at 0x10000 with a line. */
	vccw_st_be32(img + 4, 0x00000800);
	write_file(kpath, img, 0x11000, 0x11000);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, "y", &st, &err), 0);
	CHECK_EQ(st.psw_addr, 0x10000);
	CHECK(!memcmp(ram + 0x10480, "y", 2));
	/* A PSW pointing outside RAM. */
	vccw_st_be32(img + 4, 0x7ffff000);
	write_file(kpath, img, 0x11000, 0x11000);
	CHECK_EQ(vm_kernel_load(mem, ram_size, kpath, NULL, NULL, &st, &err), -EINVAL);
	CHECK_MSG(strstr(err.msg, "outside RAM"), "%s", err.msg);
	free(img);
}

TEST(test_kernel_probe_and_check_only)
{
	static const uint8_t elf[16] = "\177ELF\2\2\1";
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	uint8_t *img;

	paths();
	write_file(kpath, elf, sizeof(elf), 4096);
	CHECK_EQ(vm_kernel_probe(kpath), 0); /* the ELF loader's */
	CHECK_EQ(vm_kernel_probe("/nonexistent/kernel"), -ENOENT);
	CHECK_EQ(vm_kernel_probe(dir), 0);
	/* mem NULL: the same answer, nothing written. */
	ram_setup(16 * MiB);
	img = linux_image(0x11000, 0x1000, true);
	free(initrd_file(100));
	CHECK_EQ(vm_kernel_load(NULL, ram_size, kpath, ipath, "a", &st, &err), 0);
	CHECK_EQ(st.psw_addr, 0x10000);
	CHECK_EQ(st.initrd_addr, 0x800000);
	CHECK_EQ(ram[0], 0);
	CHECK_EQ(vm_kernel_load(NULL, 0x10000, kpath, NULL, NULL, &st, &err), -EFBIG);
	free(img);
}

TEST(test_kernel_debian_image)
{
	const char *o = getenv("O");
	struct vm_kernel_start st;
	struct vccw_err err = { 0 };
	char path[512];
	FILE *p;

	snprintf(path, sizeof(path), "ls %s/linux/root/boot/vmlinuz-* 2>/dev/null",
		 o ? o : "build");
	p = popen(path, "r");
	if (!p || !fgets(path, sizeof(path), p)) {
		if (p)
			pclose(p);
		SKIP("Debian's s390x kernel is not unpacked in $O/linux (make check-linux does it)");
	}
	pclose(p);
	path[strcspn(path, "\n")] = 0;
	ram_setup(256 * MiB);
	CHECK_EQ(vm_kernel_probe(path), 1);
	CHECK_EQ(vm_kernel_load(mem, ram_size, path, NULL, "console=ttysclp0", &st, &err), 0);
	CHECK(st.is_linux);
	CHECK_EQ(st.psw_addr, 0x10000);
	CHECK_EQ(vccw_ld_be64(ram + VM_KERNEL_CMDLINE_MAX_ADDR), 4096);
	CHECK(!strcmp((char *)ram + 0x10480, "console=ttysclp0"));
}
