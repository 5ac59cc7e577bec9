// SPDX-License-Identifier: MIT
/*
 * The s390 Linux kernel image loader (-kernel IMAGE, -initrd, -append): kernel.h says
 * what it does and which QEMU behaviour it follows. Every field read from the image is
 * the guest's: sizes and addresses are checked against the file and against RAM before
 * anything is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"
#include "vccw/byteorder.h"

#define IPL_PSW_LEN 8u
#define SHORT_PSW_ADDR UINT64_C(0x7fffffff)
/* An old kernel's entry through its SALIPL loader, started at 0x10000 all the same. */
#define OLD_LINUX_ENTRY 0x800u
#define CHUNK (1u << 20)

static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

/* Open @path as a regular file; its size in *@size. Returns the fd or -errno. */
static int open_regular(const char *path, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int vm_kernel_probe(const char *path)
{
	uint8_t head[IPL_PSW_LEN];
	uint64_t size;
	int fd, rc;

	fd = open_regular(path, &size);
	if (fd < 0)
		return fd == -EINVAL ? 0 : fd;
	rc = size < IPL_PSW_LEN ? 0 : read_full(fd, head, sizeof(head), 0);
	close(fd);
	if (rc < 0)
		return rc;
	if (size < IPL_PSW_LEN)
		return 0;
	return memcmp(head, "\177ELF", 4) != 0;
}

/* Copy @len bytes of @fd from @off to guest address @gaddr, a chunk at a time. */
static int copy_to_guest(struct vccw_mem *mem, int fd, uint64_t off, uint64_t gaddr,
			 uint64_t len, uint8_t *buf)
{
	while (len) {
		size_t n = len < CHUNK ? (size_t)len : CHUNK;
		int rc = read_full(fd, buf, n, off);

		if (rc)
			return rc;
		if (vccw_mem_write(mem, gaddr, buf, n) != VCCW_MEM_OK)
			return -EFAULT;
		off += n;
		gaddr += n;
		len -= n;
	}
	return 0;
}

static int fail(struct vm_kernel_start *start, const char *what, struct vccw_err *err,
		int code, const char *msg, const char *path)
{
	start->what = what;
	if (path)
		return vccw_err_set(err, code, "%s: %s", path, msg);
	return vccw_err_set(err, code, "%s", msg);
}

int vm_kernel_load(struct vccw_mem *mem, uint64_t ram_size, const char *kernel,
		   const char *initrd, const char *cmdline, struct vm_kernel_start *start,
		   struct vccw_err *err)
{
	uint64_t size, head_len, isize = 0, ioff = 0, max;
	size_t cmd_size = (cmdline ? strlen(cmdline) : 0) + 1; /* with its NUL */
	uint8_t *head = NULL, *chunk = NULL;
	int fd, ifd = -1, rc;
	char msg[200];

	memset(start, 0, sizeof(*start));
	fd = open_regular(kernel, &size);
	if (fd < 0)
		return fail(start, "-kernel", err, -fd,
			    fd == -EINVAL ? "not a regular file" : strerror(-fd), kernel);
	if (size < IPL_PSW_LEN) {
		rc = fail(start, "-kernel", err, EINVAL,
			  "too short for an IPL PSW (fewer than 8 bytes)", kernel);
		goto out;
	}
	if (size > ram_size) {
		snprintf(msg, sizeof(msg), "the image (%llu bytes) does not fit in RAM "
			 "(%llu bytes)", (unsigned long long)size, (unsigned long long)ram_size);
		rc = fail(start, "-kernel", err, EFBIG, msg, kernel);
		goto out;
	}
	/* The part this loader reads and patches: up to the command line's end. */
	head_len = VM_KERNEL_CMDLINE_ADDR + cmd_size;
	if (head_len > size)
		head_len = size;
	head = malloc((size_t)head_len);
	if (!head) {
		rc = fail(start, "-kernel", err, ENOMEM, "out of memory", kernel);
		goto out;
	}
	rc = read_full(fd, head, (size_t)head_len, 0);
	if (rc) {
		rc = fail(start, "-kernel", err, -rc, strerror(-rc), kernel);
		goto out;
	}
	start->image_size = size;
	start->psw_mask = VM_KERNEL_PSW_MASK;
	start->is_linux = head_len >= VM_KERNEL_MAGIC_ADDR + 6 &&
			  !memcmp(head + VM_KERNEL_MAGIC_ADDR, "S390EP", 6);
	if (start->is_linux) {
		start->psw_addr = VM_KERNEL_START;
	} else {
		start->psw_addr = vccw_ld_be32(head + 4) & SHORT_PSW_ADDR;
		if (start->psw_addr == OLD_LINUX_ENTRY)
			start->psw_addr = VM_KERNEL_START;
	}
	if (start->psw_addr >= ram_size) {
		snprintf(msg, sizeof(msg), "the IPL PSW's address 0x%llx is outside RAM",
			 (unsigned long long)start->psw_addr);
		rc = fail(start, "-kernel", err, EINVAL, msg, kernel);
		goto out;
	}

	if (start->psw_addr == VM_KERNEL_START) {
		/* A Linux entry: the image must hold its parameter area. */
		if (size < VM_KERNEL_CMDLINE_ADDR) {
			snprintf(msg, sizeof(msg), "a Linux image (entry 0x10000) that ends at "
				 "0x%llx, before its parameter area at 0x10400-0x10480: truncated?",
				 (unsigned long long)size);
			rc = fail(start, "-kernel", err, EINVAL, msg, kernel);
			goto out;
		}
		max = vccw_ld_be64(head + VM_KERNEL_CMDLINE_MAX_ADDR);
		if (!max)
			max = VM_KERNEL_CMDLINE_LEGACY_MAX;
		if (cmd_size > max) {
			snprintf(msg, sizeof(msg), "the command line is %zu bytes with its NUL; "
				 "this kernel takes at most %llu", cmd_size, (unsigned long long)max);
			rc = fail(start, "-append", err, E2BIG, msg, NULL);
			goto out;
		}
		if (VM_KERNEL_CMDLINE_ADDR + cmd_size > size) {
			snprintf(msg, sizeof(msg), "the image ends at 0x%llx, inside the command "
				 "line's %zu bytes at 0x10480: truncated?", (unsigned long long)size,
				 cmd_size);
			rc = fail(start, "-kernel", err, EINVAL, msg, kernel);
			goto out;
		}
		memcpy(head + VM_KERNEL_CMDLINE_ADDR, cmdline ? cmdline : "", cmd_size);
		start->has_cmdline = true;
	} else if (cmdline) {
		rc = fail(start, "-append", err, EINVAL, "the image is not started at 0x10000 "
			  "(no Linux image): it has no parameter area for a command line", NULL);
		goto out;
	}

	if (initrd) {
		ifd = open_regular(initrd, &isize);
		if (ifd < 0) {
			rc = fail(start, "-initrd", err, -ifd, ifd == -EINVAL ?
				  "not a regular file" : strerror(-ifd), initrd);
			goto out;
		}
		/* 8 MiB, or the first 1 MiB step at least 1 MiB past the image. */
		ioff = VM_KERNEL_INITRD_BASE;
		while (size + VM_KERNEL_INITRD_STEP > ioff)
			ioff += VM_KERNEL_INITRD_STEP;
		if (ioff > ram_size || isize > ram_size - ioff) {
			snprintf(msg, sizeof(msg), "%llu bytes at 0x%llx (after the %llu-byte "
				 "kernel) do not fit in RAM (%llu bytes)",
				 (unsigned long long)isize, (unsigned long long)ioff,
				 (unsigned long long)size, (unsigned long long)ram_size);
			rc = fail(start, "-initrd", err, EFBIG, msg, initrd);
			goto out;
		}
		if (head_len < VM_KERNEL_INITRD_SIZE_ADDR + 8) {
			rc = fail(start, "-initrd", err, EINVAL, "the kernel image ends before "
				  "0x10418, where the initrd's address and size go", NULL);
			goto out;
		}
		vccw_st_be64(head + VM_KERNEL_INITRD_START_ADDR, ioff);
		vccw_st_be64(head + VM_KERNEL_INITRD_SIZE_ADDR, isize);
		start->initrd_addr = ioff;
		start->initrd_size = isize;
	}

	rc = 0;
	if (!mem)
		goto out;
	chunk = malloc(CHUNK);
	if (!chunk) {
		rc = fail(start, "-kernel", err, ENOMEM, "out of memory", kernel);
		goto out;
	}
	if (vccw_mem_write(mem, 0, head, (size_t)head_len) != VCCW_MEM_OK ||
	    (rc = copy_to_guest(mem, fd, head_len, head_len, size - head_len, chunk))) {
		rc = fail(start, "-kernel", err, rc ? -rc : EFAULT,
			  rc ? strerror(-rc) : "outside guest RAM", kernel);
		goto out;
	}
	if (ifd >= 0 && (rc = copy_to_guest(mem, ifd, 0, ioff, isize, chunk))) {
		rc = fail(start, "-initrd", err, -rc, strerror(-rc), initrd);
		goto out;
	}
out:
	free(chunk);
	free(head);
	if (ifd >= 0)
		close(ifd);
	close(fd);
	return rc < 0 ? rc : -rc;
}
