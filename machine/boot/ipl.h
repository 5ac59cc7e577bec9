/* SPDX-License-Identifier: MIT */
/*
 * Initial program load of vccw-vm from a firmware image (-bios, by default QEMU's
 * s390-ccw.img), independent of the CPU back-end: the firmware ELF loaded where QEMU
 * puts it with its R_390_RELATIVE relocations applied, the IPL information block (IPLB)
 * of the boot device chosen with bootindex, QEMU's IPL parameters in the lowcore, and
 * DIAGNOSE 0x308 (IPL functions) on decoded register operands. The CPU back-end decodes
 * the instruction, calls vm_ipl_diag308() and applies what it returns: a program
 * interruption, nothing more, or a reset followed by vm_ipl_restart().
 *
 * Behaviour follows QEMU 7.2 (hw/s390x/ipl.c, target/s390x/diag.c), the version whose
 * firmware Debian ships; shared/reference/firmware-boot.md has the measured facts.
 */
#ifndef VM_IPL_H
#define VM_IPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vccw/mem.h"
#include "vccw/types.h"

/* Debian's build of QEMU's firmware (package qemu-system-data). */
#define VM_IPL_DEFAULT_BIOS "/usr/share/qemu/s390-ccw.img"

/* Size of the IPL parameter block buffer DIAGNOSE 0x308 works on (one page). */
#define VM_IPL_IPLB_SIZE 4096u
/* IPLB fields (big-endian, byte offsets): QEMU hw/s390x/ipl.h IplParameterBlock. */
#define VM_IPLB_LEN 0       /* u32 length of the whole block */
#define VM_IPLB_VERSION 7   /* u8 */
#define VM_IPLB_BLK0_LEN 8  /* u32 length of block 0 (the part after the header) */
#define VM_IPLB_PBT 12      /* u8 parameter-block type */
#define VM_IPLB_FLAGS 13    /* u8 */
#define VM_IPLB_LOADPARM 16 /* 8 EBCDIC bytes */
#define VM_IPLB_CCW_SSID 109
#define VM_IPLB_CCW_DEVNO 110 /* u16 */
#define VM_IPLB_PBT_FCP 0x00
#define VM_IPLB_PBT_CCW 0x02
#define VM_IPLB_FLAG_LP_VALID 0x80
#define VM_IPLB_HEADER_LEN 8u
#define VM_IPLB_MIN_CCW_LEN 200u
#define VM_IPLB_MIN_FCP_LEN 384u

/* DIAGNOSE 0x308 return codes in R1 + 1. */
#define VM_DIAG308_RC_OK 0x0001
#define VM_DIAG308_RC_NO_CONF 0x0102
#define VM_DIAG308_RC_INVALID 0x0402

/* QEMU's IPL parameters in the lowcore (QemuIplParameters, 28 bytes at 0xcc). */
#define VM_IPL_QIPL_ADDR 0xcc
#define VM_IPL_QIPL_LEN 28
#define VM_IPL_QIPL_FLAG_MENU_CMD 0x80  /* boot menu requested on the command line */
#define VM_IPL_QIPL_FLAG_MENU_ZIPL 0x40 /* use the boot loader's own menu settings */

/* Raw (non-ELF) firmware: QEMU loads at most one page of it here and starts there. */
#define VM_IPL_RAW_ADDR 0x9000
#define VM_IPL_RAW_MAX 4096u

/* A PSW as the CPU back-end loads it (z/Architecture 16-byte format). */
struct vm_ipl_psw {
	uint64_t mask;
	uint64_t addr;
};

/* The IPL PSW QEMU gives the firmware: EA + BA (64-bit addressing), all masks off. */
#define VM_IPL_PSW_MASK UINT64_C(0x0000000180000000)

/* One loaded piece of the firmware: @filesz bytes of @data, then zeros up to @memsz. */
struct vm_ipl_segment {
	uint64_t addr; /* guest absolute */
	uint64_t filesz;
	uint64_t memsz;
	uint8_t *data;
};

struct vm_ipl {
	/* The firmware, relocated, kept so that a re-IPL (DIAG 308 subcode 3) reloads it. */
	struct vm_ipl_segment *segs;
	unsigned int nr_segs;
	uint64_t fw_base; /* where the image's address 0 went */
	uint64_t fw_end;  /* one past its highest byte */
	uint64_t entry;   /* absolute start address */
	bool have_fw;

	/* The IPLB that subcode 6 stores: built for the boot device, or set by subcode 5. */
	uint8_t iplb[VM_IPL_IPLB_SIZE];
	bool iplb_valid;
	uint8_t qipl_flags;
	/* -machine loadparm (EBCDIC, blank padded): SCLP Read SCP Info without an IPLB one. */
	uint8_t machine_loadparm[8];
};

/* Empty state: no firmware, no IPLB, blank loadparm. */
void vm_ipl_init(struct vm_ipl *ipl);
/* Free the kept firmware image. */
void vm_ipl_fini(struct vm_ipl *ipl);

/*
 * Where QEMU 7.2 loads the firmware for @ram_size bytes of RAM: 2 MiB below the lower
 * of the RAM size and 2 GiB, rounded down to 64 KiB. Returns 0 when RAM is too small.
 */
uint64_t vm_ipl_fw_base(uint64_t ram_size);

/*
 * Take the firmware from @image (@len bytes, borrowed for the call): an s390x ELF64
 * (executable or position independent) goes to vm_ipl_fw_base() + p_vaddr for each
 * PT_LOAD segment, with the R_390_RELATIVE relocations of its dynamic section applied
 * (word = base + addend); anything else is a raw image of at most VM_IPL_RAW_MAX bytes
 * at VM_IPL_RAW_ADDR. The image must fit in [0x2000, @ram_size). Nothing is written to
 * guest RAM yet (vm_ipl_start() does). Replaces a firmware taken before.
 * Returns: 0, or -EINVAL/-ENOMEM with @err filled (a configuration error).
 */
int vm_ipl_fw_parse(struct vm_ipl *ipl, const void *image, size_t len, uint64_t ram_size,
		    struct vccw_err *err);
/*
 * vm_ipl_fw_parse() on the contents of the file @path. Returns 0 or -errno with @err
 * (the message does not repeat @path).
 */
int vm_ipl_fw_load_file(struct vm_ipl *ipl, const char *path, uint64_t ram_size,
			struct vccw_err *err);

/*
 * Check a loadparm as QEMU's loadparm properties do (at most 8 characters: A-Z, 0-9,
 * '.', blank; lower case is taken as upper case) and convert it to blank-padded EBCDIC.
 * Returns 0, or -EINVAL with @err naming the offending character.
 */
int vm_ipl_loadparm_parse(const char *str, uint8_t ebcdic[8], struct vccw_err *err);

/*
 * Make the device with @ssid/@devno the boot device: build the type-CCW IPLB QEMU builds
 * for the virtio device with the lowest bootindex (length 200, loadparm valid; @loadparm
 * the device's, or the machine's when NULL), and ask the firmware to use the boot
 * loader's own menu settings, as QEMU does when a bootindex is given.
 */
void vm_ipl_set_boot_device(struct vm_ipl *ipl, uint8_t ssid, uint16_t devno,
			    const uint8_t *loadparm);

/*
 * The 8 EBCDIC loadparm bytes SCLP Read SCP Info reports (offset 24 of the SCCB): the
 * IPLB's when it has a valid one, else the machine's (QEMU 7.2 read_SCP_info()).
 */
void vm_ipl_scp_loadparm(const struct vm_ipl *ipl, uint8_t out[8]);

/*
 * IPL: copy the firmware into guest RAM (zeroing each segment's tail up to its memory
 * size, as QEMU's ROM reset does), store QEMU's IPL parameters at VM_IPL_QIPL_ADDR and
 * return the PSW to start with in @psw. Call it with the CPU reset (GPRs 0, CR0 0xe0,
 * CR14 0xc2000000, prefix 0) and the devices reset.
 * Returns: 0, or -ENOENT when no firmware was taken, -EFAULT when it does not fit in
 * @mem (a configuration error).
 */
int vm_ipl_start(struct vm_ipl *ipl, struct vccw_mem *mem, struct vm_ipl_psw *psw);

/* What the CPU back-end does after vm_ipl_diag308(). */
enum vm_ipl_action {
	/* Completed (R1 + 1 may hold a return code): go on after the instruction. */
	VM_IPL_ACT_NONE,
	/* A program interruption with the code in *@pgm; nothing was changed. */
	VM_IPL_ACT_PROGRAM,
	/*
	 * Subcode 1, load normal: subsystem reset (channel subsystem, every virtio-ccw
	 * device, the SCLP event masks), CPU reset of the other CPUs, initial CPU reset of
	 * this one (GPRs and storage kept), then vm_ipl_restart().
	 */
	VM_IPL_ACT_LOAD_NORMAL,
	/* Subcode 0, modified clear: as load normal, but a clear reset of every CPU. */
	VM_IPL_ACT_MODIFIED_CLEAR,
	/*
	 * Subcode 3, load clear (re-IPL): reset the machine as at power-on (devices, every
	 * CPU; storage kept, as in QEMU) and IPL again from the firmware with the current
	 * IPLB: vm_ipl_restart() reloads the firmware. Only CPU 0 runs afterwards.
	 */
	VM_IPL_ACT_REIPL,
};

/*
 * DIAGNOSE 0x308 (IPL functions) with the instruction's R1 and R3 fields and the
 * general registers @gprs (R1 + 1 receives the return code of subcodes 5 and 6).
 * Addresses are absolute and taken whole from R1, as QEMU does. Checks in QEMU's order:
 * problem state -> privileged operation; a subcode above 0xffff, or one other than
 * 0, 1, 3, 5, 6 -> specification; for 5 and 6 an odd R1 or an IPLB address that is not
 * 4K aligned -> specification, a page not all in RAM -> addressing. Subcode 5 takes the
 * IPLB at R1 (type CCW of length >= 200 or FCP of length >= 384, length <= 4096; else
 * rc 0x0402); subcode 6 stores the current IPLB (its length) or answers rc 0x0102.
 * Returns: the action; *@pgm holds the program-interruption code for VM_IPL_ACT_PROGRAM.
 * Context: the vCPU thread of the CPU that executed the instruction.
 */
enum vm_ipl_action vm_ipl_diag308(struct vm_ipl *ipl, struct vccw_mem *mem, bool problem_state,
				  unsigned int r1, unsigned int r3, uint64_t gprs[16],
				  enum vccw_insn_rc *pgm);

/*
 * After the resets @act asked for: the PSW the CPU continues with. Load normal and
 * modified clear load the 8-byte PSW at absolute 0 (bits 0-32 as the mask with the
 * short-PSW bit 12 inverted, so a PSW without it is invalid; bits 33-63 the address);
 * re-IPL is vm_ipl_start().
 * Returns: 0, or -EFAULT / -ENOENT as vm_ipl_start().
 */
int vm_ipl_restart(struct vm_ipl *ipl, struct vccw_mem *mem, enum vm_ipl_action act,
		   struct vm_ipl_psw *psw);

#endif /* VM_IPL_H */
