/* SPDX-License-Identifier: MIT */
/*
 * Loading an s390 Linux kernel image given to -kernel (not an ELF: the file whose first
 * 8 bytes are the short IPL PSW, Debian's /boot/vmlinuz-*-s390x), with -initrd and
 * -append, as QEMU 7.2 does in hw/s390x/ipl.c (s390_ipl_realize):
 *  - the whole file is copied to absolute address 0 (it must fit in RAM);
 *  - "S390EP" at 0x10008 marks a Linux image: the CPU starts at 0x10000; otherwise at
 *    the address of the short PSW at 0 (bits 33-63 of its second word), and an image
 *    whose PSW points at 0x10000 or 0x800 is started at 0x10000 too;
 *  - an image started at 0x10000 gets the command line at 0x10480 (NUL-terminated,
 *    replacing the one built into the image, also when -append is not given); its
 *    length with the NUL is at most the image's own limit at 0x10430 (a 64-bit field;
 *    0 in kernels older than 5.15 means the historical 896 bytes);
 *  - the initrd goes to 8 MiB, or to the first 1 MiB boundary at least 1 MiB past the
 *    end of the image when the image is bigger, and must end inside RAM; its address and
 *    size are stored as 64-bit values at 0x10408 and 0x10410;
 *  - the first PSW has 64-bit addressing (EA, BA) and nothing else.
 * Where QEMU silently skips a field because the image is too short to hold it, this
 * loader refuses the image with a message instead (a hostile or truncated file).
 * No CPU is needed: tests/unit/ipl checks it on hand-built images.
 */
#ifndef VM_BOOT_KERNEL_H
#define VM_BOOT_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/types.h"

#define VM_KERNEL_START 0x10000u          /* Linux's entry, 64-bit mode */
#define VM_KERNEL_MAGIC_ADDR 0x10008u     /* "S390EP" in a Linux image */
#define VM_KERNEL_INITRD_START_ADDR 0x10408u
#define VM_KERNEL_INITRD_SIZE_ADDR 0x10410u
#define VM_KERNEL_CMDLINE_MAX_ADDR 0x10430u /* max_command_line_size, 0 in old kernels */
#define VM_KERNEL_CMDLINE_ADDR 0x10480u
#define VM_KERNEL_CMDLINE_LEGACY_MAX 0x380u /* 896 bytes, the NUL included */
#define VM_KERNEL_INITRD_BASE 0x800000u
#define VM_KERNEL_INITRD_STEP 0x100000u
/* The first PSW's mask: 64-bit addressing (EA and BA), as QEMU's IPL_PSW_MASK. */
#define VM_KERNEL_PSW_MASK UINT64_C(0x0000000180000000)

struct vm_kernel_start {
	uint64_t psw_mask;
	uint64_t psw_addr;
	bool is_linux;        /* "S390EP" found at 0x10008 */
	bool has_cmdline;     /* the command line was written at 0x10480 */
	uint64_t image_size;  /* bytes copied to absolute 0 */
	uint64_t initrd_addr; /* 0 without -initrd */
	uint64_t initrd_size;
	const char *what;     /* on failure: the option at fault, "-kernel", "-initrd", "-append" */
};

/*
 * Whether @path is a kernel image this loader takes: 1 yes (a regular file of at least
 * 8 bytes that is not an ELF), 0 no (an ELF: that is the ELF loader's, or too short to
 * hold an IPL PSW), -errno when it cannot be read.
 */
int vm_kernel_probe(const char *path);

/*
 * Load the image @kernel, the optional @initrd and the command line @cmdline (NULL:
 * empty, as QEMU without -append) into @mem of @ram_size bytes; @mem NULL only checks
 * that everything fits (the configuration check, before RAM exists). Fills @start.
 * Returns 0, or -errno with @err's message saying what is wrong with which file.
 * Context: the main thread, before any vCPU runs.
 */
int vm_kernel_load(struct vccw_mem *mem, uint64_t ram_size, const char *kernel,
		   const char *initrd, const char *cmdline, struct vm_kernel_start *start,
		   struct vccw_err *err);

#endif /* VM_BOOT_KERNEL_H */
