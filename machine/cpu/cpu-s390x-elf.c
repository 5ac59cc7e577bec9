// SPDX-License-Identifier: MIT
/*
 * Loading an s390x ELF given to -kernel, as QEMU's s390 IPL code does for an ELF kernel:
 * recognised by its ELF header (ELFCLASS64, ELFDATA2MSB, EM_S390), each PT_LOAD segment
 * copied to its physical address (p_paddr) and zero-filled up to p_memsz, the CPU later
 * started at the entry point with a 64-bit PSW. Every header field comes from the file,
 * so every offset and size is checked against the file and against guest RAM.
 * Built with or without the CPU back-end (NO_UNICORN=1): vccw-vm recognises an s390x
 * ELF either way.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu-s390x.h"
#include "vccw/byteorder.h"
#include "vm-int.h"

/* More program headers than any real kernel or firmware has. */
#define ELF_MAX_PHDRS 256

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file ends early */
		done += (size_t)n;
	}
	return 0;
}

static bool is_s390x_ehdr(const unsigned char *id, const Elf64_Ehdr *eh)
{
	return !memcmp(id, ELFMAG, SELFMAG) && id[EI_CLASS] == ELFCLASS64 &&
	       id[EI_DATA] == ELFDATA2MSB && vccw_ld_be16(&eh->e_machine) == EM_S390;
}

int vm_s390x_elf_probe(const char *path)
{
	Elf64_Ehdr eh;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = read_at(fd, &eh, sizeof(eh), 0);
	close(fd);
	if (rc == -EIO)
		return 0; /* too short for an ELF header */
	if (rc)
		return rc;
	return is_s390x_ehdr(eh.e_ident, &eh);
}

int vm_s390x_elf_load(struct vccw_mem *mem, uint64_t ram, const char *what,
		      const char *path, uint64_t *entry)
{
	uint64_t fsize;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned int i, nr, loaded = 0;
	struct stat st;
	void *buf = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vm_error(what, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || (rc = read_at(fd, &eh, sizeof(eh), 0)) ||
	    !is_s390x_ehdr(eh.e_ident, &eh)) {
		vm_error(what, "%s: not an s390x ELF (64-bit, big-endian, EM_S390)", path);
		goto err;
	}
	fsize = (uint64_t)st.st_size;
	nr = vccw_ld_be16(&eh.e_phnum);
	if (vccw_ld_be16(&eh.e_phentsize) != sizeof(Elf64_Phdr) || nr == 0 || nr > ELF_MAX_PHDRS ||
	    vccw_ld_be64(&eh.e_phoff) > fsize ||
	    (uint64_t)nr * sizeof(Elf64_Phdr) > fsize - vccw_ld_be64(&eh.e_phoff)) {
		vm_error(what, "%s: bad program header table", path);
		goto err;
	}
	for (i = 0; i < nr; i++) {
		uint64_t off, filesz, memsz, paddr;

		if (read_at(fd, &ph, sizeof(ph), vccw_ld_be64(&eh.e_phoff) + i * sizeof(ph))) {
			vm_error(what, "%s: cannot read program header %u", path, i);
			goto err;
		}
		if (vccw_ld_be32(&ph.p_type) != PT_LOAD)
			continue;
		off = vccw_ld_be64(&ph.p_offset);
		filesz = vccw_ld_be64(&ph.p_filesz);
		memsz = vccw_ld_be64(&ph.p_memsz);
		paddr = vccw_ld_be64(&ph.p_paddr);
		if (filesz > memsz || off > fsize || filesz > fsize - off) {
			vm_error(what, "%s: segment %u: bad sizes", path, i);
			goto err;
		}
		/* Overflow-free: memsz <= ram && paddr <= ram - memsz. */
		if (memsz > ram || paddr > ram - memsz) {
			vm_error(what, "%s: segment %u (0x%llx, 0x%llx bytes) is beyond guest RAM "
				 "(0x%llx bytes; -m)", path, i, (unsigned long long)paddr,
				 (unsigned long long)memsz, (unsigned long long)ram);
			goto err;
		}
		loaded++;
		if (!mem)
			continue;
		free(buf);
		buf = calloc(1, memsz ? memsz : 1);
		if (!buf) {
			vm_error(what, "%s: out of memory", path);
			goto err;
		}
		if (filesz && read_at(fd, buf, filesz, off)) {
			vm_error(what, "%s: segment %u: cannot read", path, i);
			goto err;
		}
		if (vccw_mem_write(mem, paddr, buf, memsz) != VCCW_MEM_OK) {
			vm_error(what, "%s: segment %u: cannot store", path, i);
			goto err;
		}
	}
	if (!loaded) {
		vm_error(what, "%s: no loadable segment", path);
		goto err;
	}
	free(buf);
	close(fd);
	*entry = vccw_ld_be64(&eh.e_entry);
	return 0;
err:
	free(buf);
	close(fd);
	return -1;
}
