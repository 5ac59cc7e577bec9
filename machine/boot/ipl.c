// SPDX-License-Identifier: MIT
/*
 * Initial program load from a firmware image, CPU independent (see ipl.h): the ELF
 * loader with R_390_RELATIVE relocations, the boot device's IPL information block,
 * QEMU's IPL parameters and DIAGNOSE 0x308. Facts from QEMU 7.2 hw/s390x/ipl.c,
 * ipl.h, s390-virtio-ccw.c (machine reset), target/s390x/diag.c and cpu.c (load
 * normal), the ELF gABI and the s390x psABI (relocation type 12 = R_390_RELATIVE).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipl.h"
#include "vccw/byteorder.h"

/* ELF64 header and program-header fields used here (gABI), big-endian for s390x. */
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS64 2
#define ELFDATA2MSB 2
#define ET_EXEC 2
#define ET_DYN 3
#define EM_S390 22
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_390_RELATIVE 12
#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define RELA_SIZE 24
/* Bounds that keep a hostile or broken image from costing much: QEMU has none. */
#define MAX_PHDRS 64u
#define MAX_DYN 4096u

/* Lowcore the firmware must leave alone: QEMU puts nothing of the image below 8 KiB. */
#define LOWCORE_END 0x2000u
/* QEMU 7.2: the firmware gets the top 2 MiB below min(RAM, 2 GiB), 64 KiB aligned. */
#define FW_TOP_LIMIT (UINT64_C(2) << 30)
#define FW_RESERVE (UINT64_C(2) << 20)

/* Short (ESA/390 8-byte) PSW: QEMU target/s390x/cpu.h PSW_MASK_SHORT_*. */
#define SHORT_PSW_CTRL UINT64_C(0xffffffff80000000)
#define SHORT_PSW_ADDR UINT64_C(0x000000007fffffff)
#define SHORT_PSW_BIT UINT64_C(0x0008000000000000)

/* DIAGNOSE 0x308 subcodes (QEMU hw/s390x/ipl.h DIAG308_*). */
enum {
	DIAG308_MODIFIED_CLEAR = 0,
	DIAG308_LOAD_NORMAL = 1,
	DIAG308_LOAD_CLEAR = 3,
	DIAG308_SET = 5,
	DIAG308_STORE = 6,
};

void vm_ipl_init(struct vm_ipl *ipl)
{
	memset(ipl, 0, sizeof(*ipl));
	memset(ipl->machine_loadparm, 0x40, sizeof(ipl->machine_loadparm));
}

static void fw_free(struct vm_ipl *ipl)
{
	for (unsigned int i = 0; i < ipl->nr_segs; i++)
		free(ipl->segs[i].data);
	free(ipl->segs);
	ipl->segs = NULL;
	ipl->nr_segs = 0;
	ipl->have_fw = false;
}

void vm_ipl_fini(struct vm_ipl *ipl)
{
	fw_free(ipl);
}

uint64_t vm_ipl_fw_base(uint64_t ram_size)
{
	uint64_t top = ram_size < FW_TOP_LIMIT ? ram_size : FW_TOP_LIMIT;

	if (top <= FW_RESERVE)
		return 0;
	return (top - FW_RESERVE) & ~UINT64_C(0xffff);
}

/* [off, off + len) lies inside a buffer of @size bytes (no overflow). */
static bool in_buf(uint64_t off, uint64_t len, uint64_t size)
{
	return len <= size && off <= size - len;
}

struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz, memsz;
};

static struct elf_phdr read_phdr(const uint8_t *p)
{
	struct elf_phdr ph = {
		.type = vccw_ld_be32(p),
		.offset = vccw_ld_be64(p + 8),
		.vaddr = vccw_ld_be64(p + 16),
		.filesz = vccw_ld_be64(p + 32),
		.memsz = vccw_ld_be64(p + 40),
	};
	return ph;
}

/* The segment whose file data holds [vaddr, vaddr + len), or NULL. */
static struct vm_ipl_segment *seg_of(struct vm_ipl *ipl, const uint64_t *vaddrs, uint64_t vaddr,
				     uint64_t len)
{
	for (unsigned int i = 0; i < ipl->nr_segs; i++) {
		if (vaddr >= vaddrs[i] && in_buf(vaddr - vaddrs[i], len, ipl->segs[i].filesz))
			return &ipl->segs[i];
	}
	return NULL;
}

/*
 * Apply the RELA table of the dynamic segment @dyn. Only R_390_RELATIVE is allowed: a
 * firmware is linked on its own and has no symbols to resolve (QEMU's ELF loader
 * refuses other types too).
 */
static int apply_relocs(struct vm_ipl *ipl, const uint64_t *vaddrs, const struct elf_phdr *dyn,
			const uint8_t *image, size_t len, struct vccw_err *err)
{
	uint64_t rela = 0, relasz = 0, relaent = RELA_SIZE;
	bool have_rela = false;

	if (!in_buf(dyn->offset, dyn->filesz, len))
		return vccw_err_set(err, EINVAL, "dynamic segment outside the file");
	for (uint64_t i = 0; i < dyn->filesz / 16 && i < MAX_DYN; i++) {
		const uint8_t *d = image + dyn->offset + i * 16;
		uint64_t tag = vccw_ld_be64(d), val = vccw_ld_be64(d + 8);

		if (tag == DT_NULL)
			break;
		if (tag == DT_RELA) {
			rela = val;
			have_rela = true;
		} else if (tag == DT_RELASZ) {
			relasz = val;
		} else if (tag == DT_RELAENT) {
			relaent = val;
		}
	}
	if (!have_rela || !relasz)
		return 0;
	if (relaent != RELA_SIZE)
		return vccw_err_set(err, EINVAL, "relocation entries of %llu bytes (expected 24)",
				    (unsigned long long)relaent);
	for (uint64_t off = 0; off + RELA_SIZE <= relasz; off += RELA_SIZE) {
		struct vm_ipl_segment *tab = seg_of(ipl, vaddrs, rela + off, RELA_SIZE), *dst;
		const uint8_t *r;
		uint64_t where, info, addend;

		if (!tab)
			return vccw_err_set(err, EINVAL, "relocation table outside the loaded image");
		r = tab->data + (rela + off - vaddrs[tab - ipl->segs]);
		where = vccw_ld_be64(r);
		info = vccw_ld_be64(r + 8);
		addend = vccw_ld_be64(r + 16);
		if ((info & 0xffffffff) != R_390_RELATIVE)
			return vccw_err_set(err, EINVAL, "unsupported relocation type %u at 0x%llx",
					    (unsigned int)(info & 0xffffffff),
					    (unsigned long long)where);
		dst = seg_of(ipl, vaddrs, where, 8);
		if (!dst)
			return vccw_err_set(err, EINVAL, "relocation at 0x%llx outside the loaded data",
					    (unsigned long long)where);
		vccw_st_be64(dst->data + (where - vaddrs[dst - ipl->segs]), ipl->fw_base + addend);
	}
	return 0;
}

static int parse_elf(struct vm_ipl *ipl, const uint8_t *image, size_t len, uint64_t ram_size,
		     struct vccw_err *err)
{
	uint64_t phoff, vaddrs[MAX_PHDRS], lo = UINT64_MAX, hi = 0;
	unsigned int phnum, phentsize, nr_load = 0;
	struct elf_phdr dyn = { 0 };
	bool have_dyn = false;
	uint16_t type;
	int rc;

	if (len < EHDR_SIZE || image[EI_CLASS] != ELFCLASS64 || image[EI_DATA] != ELFDATA2MSB)
		return vccw_err_set(err, EINVAL, "not a 64-bit big-endian ELF file");
	type = vccw_ld_be16(image + 16);
	if (vccw_ld_be16(image + 18) != EM_S390 || (type != ET_EXEC && type != ET_DYN))
		return vccw_err_set(err, EINVAL, "not an s390x executable (ELF machine %u, type %u)",
				    vccw_ld_be16(image + 18), type);
	phoff = vccw_ld_be64(image + 32);
	phentsize = vccw_ld_be16(image + 54);
	phnum = vccw_ld_be16(image + 56);
	if (phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PHDRS ||
	    !in_buf(phoff, (uint64_t)phnum * PHDR_SIZE, len))
		return vccw_err_set(err, EINVAL, "bad program header table");

	ipl->fw_base = vm_ipl_fw_base(ram_size);
	if (!ipl->fw_base)
		return vccw_err_set(err, EINVAL, "too little RAM for the firmware");
	ipl->segs = calloc(phnum, sizeof(*ipl->segs));
	if (!ipl->segs)
		return vccw_err_set(err, ENOMEM, "out of memory");
	for (unsigned int i = 0; i < phnum; i++) {
		struct elf_phdr ph = read_phdr(image + phoff + (uint64_t)i * PHDR_SIZE);
		struct vm_ipl_segment *s;

		if (ph.type == PT_DYNAMIC) {
			dyn = ph;
			have_dyn = true;
		}
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (ph.filesz > ph.memsz || !in_buf(ph.offset, ph.filesz, len))
			return vccw_err_set(err, EINVAL, "segment %u outside the file", i);
		/* Every byte must land in [fw_base, ram_size): QEMU's ROM check. */
		if (ph.vaddr >= ram_size || !in_buf(ipl->fw_base + ph.vaddr, ph.memsz, ram_size))
			return vccw_err_set(err, EINVAL,
					    "segment %u (0x%llx, 0x%llx bytes) does not fit in RAM "
					    "above 0x%llx",
					    i, (unsigned long long)ph.vaddr,
					    (unsigned long long)ph.memsz,
					    (unsigned long long)ipl->fw_base);
		s = &ipl->segs[nr_load];
		s->addr = ipl->fw_base + ph.vaddr;
		s->filesz = ph.filesz;
		s->memsz = ph.memsz;
		s->data = malloc(ph.filesz ? ph.filesz : 1);
		if (!s->data)
			return vccw_err_set(err, ENOMEM, "out of memory");
		memcpy(s->data, image + ph.offset, ph.filesz);
		vaddrs[nr_load] = ph.vaddr;
		ipl->nr_segs = ++nr_load;
		if (s->addr < lo)
			lo = s->addr;
		if (s->addr + s->memsz > hi)
			hi = s->addr + s->memsz;
	}
	if (!nr_load)
		return vccw_err_set(err, EINVAL, "no loadable segment");
	if (have_dyn) {
		rc = apply_relocs(ipl, vaddrs, &dyn, image, len, err);
		if (rc)
			return rc;
	}
	ipl->entry = ipl->fw_base + vccw_ld_be64(image + 24);
	if (ipl->entry < lo || ipl->entry >= hi)
		return vccw_err_set(err, EINVAL, "entry point 0x%llx outside the image",
				    (unsigned long long)vccw_ld_be64(image + 24));
	ipl->fw_end = hi;
	return 0;
}

static int parse_raw(struct vm_ipl *ipl, const uint8_t *image, size_t len, uint64_t ram_size,
		     struct vccw_err *err)
{
	if (!len || len > VM_IPL_RAW_MAX)
		return vccw_err_set(err, EINVAL, "neither an s390x ELF file nor a raw image of "
				    "at most %u bytes", VM_IPL_RAW_MAX);
	if (ram_size < VM_IPL_RAW_ADDR + VM_IPL_RAW_MAX)
		return vccw_err_set(err, EINVAL, "too little RAM for the firmware");
	ipl->segs = calloc(1, sizeof(*ipl->segs));
	if (!ipl->segs)
		return vccw_err_set(err, ENOMEM, "out of memory");
	ipl->segs[0].data = malloc(len);
	if (!ipl->segs[0].data)
		return vccw_err_set(err, ENOMEM, "out of memory");
	memcpy(ipl->segs[0].data, image, len);
	ipl->segs[0].addr = VM_IPL_RAW_ADDR;
	ipl->segs[0].filesz = ipl->segs[0].memsz = len;
	ipl->nr_segs = 1;
	ipl->fw_base = ipl->entry = VM_IPL_RAW_ADDR;
	ipl->fw_end = VM_IPL_RAW_ADDR + len;
	return 0;
}

int vm_ipl_fw_parse(struct vm_ipl *ipl, const void *image, size_t len, uint64_t ram_size,
		    struct vccw_err *err)
{
	const uint8_t *p = image;
	int rc;

	fw_free(ipl);
	if (len >= 4 && !memcmp(p, "\177ELF", 4))
		rc = parse_elf(ipl, p, len, ram_size, err);
	else
		rc = parse_raw(ipl, p, len, ram_size, err);
	if (rc) {
		fw_free(ipl);
		return rc;
	}
	ipl->have_fw = true;
	return 0;
}

int vm_ipl_fw_load_file(struct vm_ipl *ipl, const char *path, uint64_t ram_size,
			struct vccw_err *err)
{
	/* s390-ccw.img is 62 KiB; anything far bigger is not a firmware. */
	const off_t max = 16 << 20;
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vccw_err_set(err, errno, "%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > max) {
		close(fd);
		return vccw_err_set(err, EINVAL, "not a regular file of at most 16 MiB");
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return vccw_err_set(err, ENOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = vccw_err_set(err, n ? errno : EIO, "short read");
			goto out;
		}
		got += (size_t)n;
	}
	rc = vm_ipl_fw_parse(ipl, buf, got, ram_size, err);
out:
	free(buf);
	close(fd);
	return rc;
}

/* EBCDIC (code page 037) of the characters a loadparm may hold; 0: not allowed. */
static uint8_t loadparm_ebcdic(char c)
{
	if (c >= 'A' && c <= 'I')
		return (uint8_t)(0xc1 + (c - 'A'));
	if (c >= 'J' && c <= 'R')
		return (uint8_t)(0xd1 + (c - 'J'));
	if (c >= 'S' && c <= 'Z')
		return (uint8_t)(0xe2 + (c - 'S'));
	if (c >= '0' && c <= '9')
		return (uint8_t)(0xf0 + (c - '0'));
	if (c == ' ')
		return 0x40;
	if (c == '.')
		return 0x4b;
	return 0;
}

int vm_ipl_loadparm_parse(const char *str, uint8_t ebcdic[8], struct vccw_err *err)
{
	size_t n = strlen(str);

	if (n > 8)
		return vccw_err_set(err, EINVAL, "loadparm '%s' is longer than 8 characters", str);
	memset(ebcdic, 0x40, 8);
	for (size_t i = 0; i < n; i++) {
		char c = str[i] >= 'a' && str[i] <= 'z' ? (char)(str[i] - 'a' + 'A') : str[i];
		uint8_t e = loadparm_ebcdic(c);

		if (!e)
			return vccw_err_set(err, EINVAL,
					    "loadparm: invalid character '%c' (ASCII 0x%02x)",
					    str[i] >= 0x20 && str[i] < 0x7f ? str[i] : '?',
					    (unsigned char)str[i]);
		ebcdic[i] = e;
	}
	return 0;
}

void vm_ipl_set_boot_device(struct vm_ipl *ipl, uint8_t ssid, uint16_t devno,
			    const uint8_t *loadparm)
{
	uint8_t *b = ipl->iplb;

	/* QEMU s390_gen_initial_iplb(), virtio device case. */
	memset(b, 0, sizeof(ipl->iplb));
	vccw_st_be32(b + VM_IPLB_LEN, VM_IPLB_MIN_CCW_LEN);
	vccw_st_be32(b + VM_IPLB_BLK0_LEN, VM_IPLB_MIN_CCW_LEN - VM_IPLB_HEADER_LEN);
	b[VM_IPLB_PBT] = VM_IPLB_PBT_CCW;
	b[VM_IPLB_FLAGS] = VM_IPLB_FLAG_LP_VALID;
	memcpy(b + VM_IPLB_LOADPARM, loadparm ? loadparm : ipl->machine_loadparm, 8);
	b[VM_IPLB_CCW_SSID] = ssid & 3;
	vccw_st_be16(b + VM_IPLB_CCW_DEVNO, devno);
	ipl->iplb_valid = true;
	/* Without -boot menu, a CCW boot device uses zipl's menu settings. */
	ipl->qipl_flags = VM_IPL_QIPL_FLAG_MENU_ZIPL;
}

void vm_ipl_scp_loadparm(const struct vm_ipl *ipl, uint8_t out[8])
{
	if (ipl->iplb_valid && (ipl->iplb[VM_IPLB_FLAGS] & VM_IPLB_FLAG_LP_VALID))
		memcpy(out, ipl->iplb + VM_IPLB_LOADPARM, 8);
	else
		memcpy(out, ipl->machine_loadparm, 8);
}

int vm_ipl_start(struct vm_ipl *ipl, struct vccw_mem *mem, struct vm_ipl_psw *psw)
{
	uint8_t qipl[VM_IPL_QIPL_LEN] = { 0 };

	if (!ipl->have_fw)
		return -ENOENT;
	for (unsigned int i = 0; i < ipl->nr_segs; i++) {
		const struct vm_ipl_segment *s = &ipl->segs[i];

		if (vccw_mem_write(mem, s->addr, s->data, s->filesz) != VCCW_MEM_OK ||
		    vccw_mem_fill(mem, s->addr + s->filesz, 0, s->memsz - s->filesz) != VCCW_MEM_OK)
			return -EFAULT;
	}
	qipl[0] = ipl->qipl_flags;
	if (vccw_mem_write(mem, VM_IPL_QIPL_ADDR, qipl, sizeof(qipl)) != VCCW_MEM_OK)
		return -EFAULT;
	psw->mask = VM_IPL_PSW_MASK;
	psw->addr = ipl->entry;
	return 0;
}

/* Subcodes 5 and 6: R1 even, the IPLB page aligned and all in RAM (QEMU diag308_parm_check). */
static enum vccw_insn_rc parm_check(struct vccw_mem *mem, unsigned int r1, uint64_t addr)
{
	if ((r1 & 1) || (addr & (VM_IPL_IPLB_SIZE - 1)))
		return VCCW_PGM_SPECIFICATION;
	if (!vccw_mem_valid(mem, addr, VM_IPL_IPLB_SIZE))
		return VCCW_PGM_ADDRESSING;
	return VCCW_CC0;
}

static bool iplb_valid(const uint8_t *b)
{
	uint32_t len = vccw_ld_be32(b + VM_IPLB_LEN);

	switch (b[VM_IPLB_PBT]) {
	case VM_IPLB_PBT_FCP:
		return len >= VM_IPLB_MIN_FCP_LEN;
	case VM_IPLB_PBT_CCW:
		return len >= VM_IPLB_MIN_CCW_LEN;
	default:
		return false;
	}
}

static void diag308_set(struct vm_ipl *ipl, struct vccw_mem *mem, uint64_t addr, uint64_t *rc)
{
	uint8_t b[VM_IPL_IPLB_SIZE] = { 0 };
	uint32_t len;

	/* The page was checked: these reads cannot fail. Read the length, then that much. */
	vccw_mem_ld_be32(mem, addr, &len);
	if (len > VM_IPL_IPLB_SIZE) {
		*rc = VM_DIAG308_RC_INVALID;
		return;
	}
	vccw_mem_read(mem, addr, b, len);
	if (!iplb_valid(b)) {
		*rc = VM_DIAG308_RC_INVALID;
		return;
	}
	memcpy(ipl->iplb, b, sizeof(b));
	ipl->iplb_valid = true;
	*rc = VM_DIAG308_RC_OK;
}

enum vm_ipl_action vm_ipl_diag308(struct vm_ipl *ipl, struct vccw_mem *mem, bool problem_state,
				  unsigned int r1, unsigned int r3, uint64_t gprs[16],
				  enum vccw_insn_rc *pgm)
{
	uint64_t subcode, addr;

	r1 &= 15;
	r3 &= 15;
	*pgm = VCCW_CC0;
	if (problem_state) {
		*pgm = VCCW_PGM_PRIVILEGED_OP;
		return VM_IPL_ACT_PROGRAM;
	}
	subcode = gprs[r3];
	addr = gprs[r1];
	switch (subcode) {
	case DIAG308_MODIFIED_CLEAR:
		return VM_IPL_ACT_MODIFIED_CLEAR;
	case DIAG308_LOAD_NORMAL:
		return VM_IPL_ACT_LOAD_NORMAL;
	case DIAG308_LOAD_CLEAR:
		return VM_IPL_ACT_REIPL;
	case DIAG308_SET:
		*pgm = parm_check(mem, r1, addr);
		if (*pgm != VCCW_CC0)
			return VM_IPL_ACT_PROGRAM;
		diag308_set(ipl, mem, addr, &gprs[r1 + 1]);
		return VM_IPL_ACT_NONE;
	case DIAG308_STORE:
		*pgm = parm_check(mem, r1, addr);
		if (*pgm != VCCW_CC0)
			return VM_IPL_ACT_PROGRAM;
		if (!ipl->iplb_valid) {
			gprs[r1 + 1] = VM_DIAG308_RC_NO_CONF;
			return VM_IPL_ACT_NONE;
		}
		/* The stored length is at most the page (checked when it was set). */
		vccw_mem_write(mem, addr, ipl->iplb, vccw_ld_be32(ipl->iplb + VM_IPLB_LEN));
		gprs[r1 + 1] = VM_DIAG308_RC_OK;
		return VM_IPL_ACT_NONE;
	default:
		/*
		 * Above 0xffff, 2, 4 (dump: QEMU has none), 7, and the protected-virtualization
		 * subcodes 8-10 without that facility: all specification exceptions.
		 */
		*pgm = VCCW_PGM_SPECIFICATION;
		return VM_IPL_ACT_PROGRAM;
	}
}

int vm_ipl_restart(struct vm_ipl *ipl, struct vccw_mem *mem, enum vm_ipl_action act,
		   struct vm_ipl_psw *psw)
{
	uint64_t spsw;

	switch (act) {
	case VM_IPL_ACT_LOAD_NORMAL:
	case VM_IPL_ACT_MODIFIED_CLEAR:
		if (vccw_mem_ld_be64(mem, 0, &spsw) != VCCW_MEM_OK)
			return -EFAULT;
		/*
		 * QEMU s390_cpu_load_normal(): the short PSW's control bits become the mask
		 * with bit 12 inverted (a PSW without it then has bit 12 on and is invalid:
		 * specification exception when loaded), bits 33-63 the address.
		 */
		psw->mask = (spsw & SHORT_PSW_CTRL) ^ SHORT_PSW_BIT;
		psw->addr = spsw & SHORT_PSW_ADDR;
		return 0;
	case VM_IPL_ACT_REIPL:
		return vm_ipl_start(ipl, mem, psw);
	default:
		return -EINVAL;
	}
}
