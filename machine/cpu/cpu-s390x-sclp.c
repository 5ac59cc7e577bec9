// SPDX-License-Identifier: MIT
/*
 * SERVC on the s390x back-end: QEMU's program checks on the SCCB address, the SCCB
 * fetched into a host buffer, the command executed by the machine's SCLP (sclp.c,
 * without a CPU: the commands, the event facility, the VT220 and line-mode consoles and
 * console input), the SCCB stored back, and the service-signal external interruption
 * (0x2401) made pending with vm_sclp_service_param() as its parameter. The console's
 * output goes to the machine console, -serial's chardev or stdout (vm_sclp_stdout_write(),
 * built without libunicorn too); its input comes from stdin (vm_sclp_input_start())
 * unless a -chardev stdio has it.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "sclp.h"
#include "vm-int.h"

static bool console_stopped(void *ctx)
{
	struct vm *vm = ctx;

	return atomic_load(&vm->stop);
}

/* The machine console (-serial's chardev, else stdout), as the native console writes it. */
void vm_sclp_stdout_write(void *opaque, const uint8_t *s, size_t len)
{
	struct vm *vm = opaque;

	vm_serial_write(vm, (const char *)s, len, console_stopped, vm);
}

/* stdin to the SCLP console, in short polls so that shutdown is seen. */
static void *input_thread(void *opaque)
{
	struct vm *vm = opaque;
	uint8_t buf[256];

	while (!atomic_load(&vm->stop)) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		size_t off = 0;
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* end of input */
		/* A full queue: wait for the guest to read, as a terminal would block. */
		while (off < (size_t)n && !atomic_load(&vm->stop)) {
			off += vm_sclp_input(vm->sclp, buf + off, (size_t)n - off);
			if (off < (size_t)n)
				poll(NULL, 0, 10);
		}
	}
	return NULL;
}

int vm_sclp_input_start(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	unsigned int i;

	for (i = 0; i < cfg->nr_chardevs; i++)
		if (cfg->chardevs[i]->kind == VM_CHARDEV_STDIO)
			return 0; /* stdin is that chardev's */
	if (pthread_create(&vm->sclp_input_thread, NULL, input_thread, vm))
		return -1;
	vm->sclp_input_running = true;
	return 0;
}

void vm_sclp_input_stop(struct vm *vm)
{
	if (!vm->sclp_input_running)
		return;
	/* The thread sees vm->stop within one poll. */
	atomic_store(&vm->stop, true);
	pthread_join(vm->sclp_input_thread, NULL);
	vm->sclp_input_running = false;
}

#ifdef VM_HAVE_UNICORN

#include <string.h>

#include "cpu-s390x-int.h"
#include "vccw/byteorder.h"

enum vm_s390x_rc s390x_servc(struct vm_s390x *c, uint64_t cmd, uint64_t sccb, uint16_t *pgm)
{
	static uint8_t buf[4096];
	struct vm_sclp *sclp = c->vm->sclp;
	uint8_t loadparm[8];
	uint16_t len;

	/* QEMU's program checks, in its order. */
	if (sccb >= c->ram_size || c->ram_size - sccb < 8) {
		*pgm = S390X_PGM_ADDRESSING;
		return VM_S390X_PGM;
	}
	if ((sccb & ~0x1fffull) == 0 || (sccb & ~0x1fffull) == c->prefix ||
	    (sccb & ~0x7ffffff8ull)) {
		*pgm = S390X_PGM_SPECIFICATION;
		return VM_S390X_PGM;
	}
	if (s390x_load(c, sccb, buf, 8)) {
		*pgm = S390X_PGM_ADDRESSING;
		return VM_S390X_PGM;
	}
	len = vccw_ld_be16(buf);
	if (len < 8) {
		*pgm = S390X_PGM_SPECIFICATION;
		return VM_S390X_PGM;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (len > c->ram_size - sccb)
		len = (uint16_t)(c->ram_size - sccb);
	s390x_load(c, sccb, buf, len);
	/*
	 * A CPU reset clears the masks this CPU keeps (cpu-s390x.c); until the back-end
	 * calls vm_sclp_reset() itself, take that as the SCLP's reset too.
	 */
	if (!c->sclp_cp_receive && !c->sclp_cp_send &&
	    (vm_sclp_cp_receive(sclp) || vm_sclp_cp_send(sclp)))
		vm_sclp_reset(sclp);
	/* The SCCB must not cross a 4 KiB boundary. */
	if ((sccb & 4095) + len > 4096) {
		vccw_st_be16(buf + 6, VM_SCLP_RC_BOUNDARY);
		len = 8;
	} else {
		/* The load parameter of the IPLB the firmware set, or -machine's. */
		vm_ipl_scp_loadparm(&c->vm->ipl, loadparm);
		vm_sclp_set_loadparm(sclp, loadparm);
		vm_sclp_execute(sclp, (uint32_t)cmd, buf, len);
		c->sclp_cp_receive = vm_sclp_cp_receive(sclp);
		c->sclp_cp_send = vm_sclp_cp_send(sclp);
		/* Read Event Data may have shortened the SCCB (variable-length response). */
		if (vccw_ld_be16(buf) < len && vccw_ld_be16(buf) >= 8)
			len = vccw_ld_be16(buf);
	}
	/* Stored with the host's rights: the SCCB is outside the lowcore (checked above). */
	vccw_mem_write(c->mem, s390x_abs(c, sccb), buf, len);
	/* The service signal for this SCCB (cpu-s390x.c presents it). */
	s390x_service_signal(c, vm_sclp_service_param(sclp, sccb));
	return VM_S390X_CC0;
}

#endif /* VM_HAVE_UNICORN */
