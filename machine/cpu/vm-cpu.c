// SPDX-License-Identifier: MIT
/*
 * vCPUs: one thread each. vCPU 0 runs the native guest program; the others stay in the
 * stopped state. A native guest "executes" an I/O instruction, DIAGNOSE 0x500 or an
 * enabled wait by calling the intercept entry points of struct guest_native_host, which
 * this file implements on top of the css and the virtio-ccw transport, the way a VMM
 * handles the KVM intercepts: decode the operands, call the library, hand back the
 * condition code or program-interruption code; deliver I/O interruptions and
 * channel-report machine checks by storing their codes into the lowcore (PoP chapter 6).
 *
 * Stopping: every entry point checks the machine's stop flag first and, when it is set,
 * ends the guest program there, between two instructions, the way the program's own
 * exit would: guest_native_run() unwinds and returns.
 */
#include <limits.h>
#include <poll.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpu-s390x.h"
#include "vccw/virtio-ccw.h"
#include "vm-int.h"

/*
 * Leave the guest program if the machine is stopping: the program is unwound back into
 * guest_native_run(), which then returns. Only once: the runtime's own clean-up calls
 * entry points (set_state) on its way out. Context: the vCPU's own thread.
 */
static void check_stop(struct vm_cpu *cpu)
{
	/* While the machine is stopped (QMP stop, -S) the vCPU waits here: its pause point. */
	if (!cpu->stopping &&
	    (!vm_cpu_pause_point(cpu) || (cpu->index == 0 && atomic_load(&cpu->vm->reset_req)))) {
		cpu->stopping = true;
		vm_program_stop();
	}
}

static void cpu_desc(const struct vm_cpu *cpu, struct vccw_cpu *out)
{
	/* Native guests run in supervisor state with prefix 0 and no low-address protection. */
	memset(out, 0, sizeof(*out));
	out->problem_state = false;
	out->prefix = 0;
	out->isc_mask = cpu->state.isc_mask;
}

/* The architected result as the native guest wants it: cc 0-3, or -pic. */
static int insn_result(enum vccw_insn_rc rc)
{
	if (vccw_insn_is_pgm(rc))
		return -(int)vccw_insn_pic(rc);
	/* SAL, SCHM, SIC leave the cc alone; the native guest reads that as 0. */
	if (rc == VCCW_CC_UNCHANGED)
		return 0;
	return (int)rc;
}

enum vccw_insn_rc vm_io_insn(struct vccw_css *css, const struct vccw_cpu *c, uint16_t opcode,
			     uint64_t gpr1, uint64_t addr)
{
	uint32_t sid = (uint32_t)gpr1; /* GPR1 bits 32-63 */

	switch (opcode) {
	case GUEST_OP_CSCH:
		return vccw_css_csch(css, c, sid);
	case GUEST_OP_HSCH:
		return vccw_css_hsch(css, c, sid);
	case GUEST_OP_MSCH:
		return vccw_css_msch(css, c, sid, addr);
	case GUEST_OP_SSCH:
		return vccw_css_ssch(css, c, sid, addr);
	case GUEST_OP_STSCH:
		return vccw_css_stsch(css, c, sid, addr);
	case GUEST_OP_TSCH:
		return vccw_css_tsch(css, c, sid, addr);
	case GUEST_OP_TPI:
		return vccw_css_tpi(css, c, addr);
	case GUEST_OP_SAL:
		return vccw_css_sal(css, c, gpr1);
	case GUEST_OP_RSCH:
		return vccw_css_rsch(css, c, sid);
	case GUEST_OP_STCRW:
		return vccw_css_stcrw(css, c, addr);
	case GUEST_OP_RCHP:
		return vccw_css_rchp(css, c, gpr1);
	case GUEST_OP_SCHM:
		/* SCHM passes GPR2 (the measurement-block origin) in @addr. */
		return vccw_css_schm(css, c, gpr1, addr);
	case GUEST_OP_CHSC:
		return vccw_css_chsc(css, c, addr);
	case GUEST_OP_XSCH:
		return vccw_css_xsch(css, c, sid);
	case GUEST_OP_SIC:
		/* SIC passes GPR(R1) in @gpr1 and GPR(R3) in @addr: the ISC is in its bits 34-36. */
		return vccw_css_sic(css, c, gpr1, (uint8_t)((addr >> 27) & 7));
	default:
		/* An opcode the machine does not implement: PoP operation exception. */
		return VCCW_PGM_OPERATION;
	}
}

static int host_io_insn(void *ctx, uint16_t opcode, uint64_t gpr1, uint64_t addr)
{
	struct vm_cpu *cpu = ctx;
	struct vccw_cpu c;

	check_stop(cpu);
	cpu_desc(cpu, &c);
	return insn_result(vm_io_insn(cpu->vm->css, &c, opcode, gpr1, addr));
}

static int64_t host_diag500(void *ctx, uint64_t gpr1, uint64_t gpr2, uint64_t gpr3,
			    uint64_t gpr4, int *pgm)
{
	struct vm_cpu *cpu = ctx;
	enum vccw_insn_rc rc;
	int64_t ret = 0;

	check_stop(cpu);
	rc = vccw_virtio_ccw_diag500(cpu->vm->css, gpr1, gpr2, gpr3, gpr4, &ret);
	if (vccw_insn_is_pgm(rc)) {
		*pgm = vccw_insn_pic(rc);
		/* A program interruption nullifies: GPR2 keeps its value. */
		return (int64_t)gpr2;
	}
	*pgm = 0;
	return ret;
}

/* The floating ISC mask is the union of the CR6 masks of all vCPUs. */
static void update_isc_mask(struct vm *vm)
{
	uint8_t mask = 0;
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_cpus; i++)
		mask |= vm->cpus[i].state.isc_mask;
	pthread_mutex_unlock(&vm->lock);
	/* Outside vm->lock: the css may call io_irq (which takes it) from here. */
	vccw_css_set_isc_mask(vm->css, mask);
}

static void host_set_state(void *ctx, const struct guest_native_cpu_state *st)
{
	struct vm_cpu *cpu = ctx;
	bool isc_changed;

	/*
	 * Not a stop or pause point: the runtime calls this before the program's exit
	 * point is set up (and on its way out), where the program cannot be left.
	 */
	pthread_mutex_lock(&cpu->vm->lock);
	isc_changed = cpu->state.isc_mask != st->isc_mask;
	cpu->state = *st;
	pthread_mutex_unlock(&cpu->vm->lock);
	if (isc_changed)
		update_isc_mask(cpu->vm);
}

/*
 * Present one interruption the state allows, highest priority first (PoP 6-?: a
 * repressible machine check before an I/O interruption). Returns true with @irq filled
 * and the lowcore stored. Context: vCPU thread, vm->lock NOT held (the css calls back
 * with its own locks held, and the callbacks take vm->lock).
 */
static bool try_irq(struct vm_cpu *cpu, struct guest_native_irq *irq)
{
	struct vm *vm = cpu->vm;
	const struct guest_native_cpu_state *st = &cpu->state;
	struct vccw_io_irq io;
	bool mchk = false;

	if (st->mchk_enabled && st->crw_mchk) {
		bool pending, queued;

		pthread_mutex_lock(&vm->lock);
		pending = vm->crw_mchk_pending;
		pthread_mutex_unlock(&vm->lock);
		/* Asked outside vm->lock: the css calls crw_pending with its lock held. */
		queued = pending && vccw_css_crw_pending(vm->css);
		/*
		 * One machine check per burst. With the queue found empty the flag stays:
		 * a report queued meanwhile must still raise one.
		 */
		if (queued) {
			pthread_mutex_lock(&vm->lock);
			mchk = vm->crw_mchk_pending;
			vm->crw_mchk_pending = false;
			pthread_mutex_unlock(&vm->lock);
		}
	}
	if (mchk) {
		vccw_mem_st_be64(vm->mem, VM_LC_MCCK_CODE, VM_MCIC_CHANNEL_REPORT);
		memset(irq, 0, sizeof(*irq));
		irq->kind = GUEST_NATIVE_IRQ_MCHK;
		irq->mcic = VM_MCIC_CHANNEL_REPORT;
		return true;
	}
	if (st->io_enabled && st->isc_mask && vccw_css_take_io_irq(vm->css, st->isc_mask, &io)) {
		vccw_mem_st_be32(vm->mem, VM_LC_SUBCHANNEL_ID, io.sid);
		vccw_mem_st_be32(vm->mem, VM_LC_IO_INT_PARM, io.intparm);
		vccw_mem_st_be32(vm->mem, VM_LC_IO_INT_WORD, io.iiw);
		memset(irq, 0, sizeof(*irq));
		irq->kind = GUEST_NATIVE_IRQ_IO;
		irq->sid = io.sid;
		irq->intparm = io.intparm;
		irq->iiw = io.iiw;
		return true;
	}
	return false;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Polling condition of a waiting vCPU: a css callback came, or the machine stops. */
static bool irq_ready(void *arg)
{
	struct vm_cpu *cpu = arg;

	return __atomic_load_n(&cpu->vm->irq_gen, __ATOMIC_SEQ_CST) != cpu->poll_gen ||
	       atomic_load(&cpu->vm->stop);
}

static bool host_take_irq(void *ctx, uint64_t timeout_us, struct guest_native_irq *irq)
{
	struct vm_cpu *cpu = ctx;
	struct vm *vm = cpu->vm;
	uint64_t deadline = now_us() + timeout_us, gen, t0;
	struct timespec ts;

	if (timeout_us > UINT64_MAX / 2)
		deadline = UINT64_MAX / 2;
	for (;;) {
		check_stop(cpu);
		/* Sample the generation first, so a callback after the check wakes us. */
		gen = __atomic_load_n(&vm->irq_gen, __ATOMIC_SEQ_CST);
		if (try_irq(cpu, irq))
			return true;
		if (now_us() >= deadline)
			return false;
		/* The interruption a guest waits for usually comes soon: poll, then sleep. */
		cpu->poll_gen = gen;
		vccw_poll_spin(&cpu->poll, irq_ready, cpu, &t0);
		ts.tv_sec = (time_t)(deadline / 1000000u);
		ts.tv_nsec = (long)(deadline % 1000000u) * 1000;
		pthread_mutex_lock(&vm->lock);
		/* A stop ends the wait: the vCPU parks at its pause point (check_stop). */
		while (vm->irq_gen == gen && !atomic_load(&vm->stop) &&
		       atomic_load(&vm->cpus_run)) {
			if (pthread_cond_timedwait(&vm->cond, &vm->lock, &ts) == ETIMEDOUT)
				break;
		}
		pthread_mutex_unlock(&vm->lock);
		vccw_poll_adapt(&cpu->poll, t0);
	}
}

static bool console_check_stop(void *ctx)
{
	check_stop(ctx); /* unwinds the program when the machine stops */
	return false;
}

/* The machine console: -serial's chardev or stdout (vm_serial_write()). */
static void host_console_write(void *ctx, const char *s, size_t len)
{
	struct vm_cpu *cpu = ctx;

	vm_serial_write(cpu->vm, s, len, console_check_stop, cpu);
}

/* system_powerdown's signal quiesce, taken once (guest_arch_quiesce_pending()). */
static bool host_quiesce(void *ctx)
{
	struct vm_cpu *cpu = ctx;

	check_stop(cpu);
	return vm_powerdown_take(cpu->vm);
}

static uint64_t host_now_us(void *ctx)
{
	check_stop(ctx);
	return now_us();
}

/* ---- vCPU threads ---- */

/* Tell the main thread that the guest program ended. */
static void signal_done(struct vm *vm)
{
	uint64_t one = 1;

	while (write(vm->done_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void run_program(struct vm_cpu *cpu)
{
	struct vm *vm = cpu->vm;
	struct guest_native_host host = {
		.ctx = cpu,
		.ram = vm->ram,
		.ram_size = vccw_mem_size(vm->mem),
		.heap_start = VM_HEAP_START,
		.io_insn = host_io_insn,
		.diag500 = host_diag500,
		.set_state = host_set_state,
		.take_irq = host_take_irq,
		.console_write = host_console_write,
		.now_us = host_now_us,
		.quiesce = host_quiesce,
		.cmdline = vm->cfg->append,
	};
	int rc;

	/* The guest starts with interruptions disabled (a fresh PSW and control registers). */
	memset(&cpu->state, 0, sizeof(cpu->state));
	cpu->poll.max_ns = VCCW_POLL_DEFAULT_MAX_NS;
	cpu->poll.ns = 0;
	cpu->stopping = false;
	pthread_mutex_lock(&vm->lock);
	cpu->exited = false;
	pthread_mutex_unlock(&vm->lock);
	/* -S, or a reset of a stopped machine: the program starts only once it runs. */
	if (!vm_cpu_pause_point(cpu)) {
		vm_cpu_unpausable(cpu);
		return;
	}
	rc = vm_program_run(&host, vm->cfg->program);
	/* Out of guest code: a stop of the machine no longer waits for this vCPU. */
	vm_cpu_unpausable(cpu);
	if (cpu->stopping)
		return; /* stopped (or reset) by the machine: not the program's own status */
	/* Under vm->lock: the main thread reads them as soon as done_fd fires. */
	pthread_mutex_lock(&vm->lock);
	cpu->exit_code = rc;
	cpu->exited = true;
	pthread_mutex_unlock(&vm->lock);
	signal_done(vm);
}

static void *vcpu_thread(void *arg)
{
	struct vm_cpu *cpu = arg;
	struct vm *vm = cpu->vm;

	vm_life_name_thread(vm->cfg, cpu->index); /* -name debug-threads=on */
	/* vCPU 0 runs the program again after each system reset. */
	while (cpu->index == 0 && vm->cfg->program) {
		run_program(cpu);
		if (!vm_reset_wait(vm))
			break;
	}
	/*
	 * The s390x CPU: it too waits for the machine to run (-S) before it starts, and
	 * starts again from its IPL after each system reset (vm_boot_system_reset()).
	 */
	if (cpu->index == 0 && vm->s390x) {
		do {
			if (vm_cpu_pause_point(cpu))
				vm_s390x_run(cpu);
			vm_cpu_unpausable(cpu);
			if (cpu->exited)
				signal_done(vm);
		} while (vm_reset_wait(vm));
	}
	/* Stopped state: wait for the machine to go away. */
	pthread_mutex_lock(&vm->lock);
	while (!atomic_load(&vm->stop))
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

int vm_cpus_start(struct vm *vm)
{
	unsigned int i;
	int rc;

	for (i = 0; i < vm->nr_cpus; i++) {
		rc = pthread_create(&vm->cpus[i].thread, NULL, vcpu_thread, &vm->cpus[i]);
		if (rc) {
			vm_report("cannot start vCPU %u: %s\n", i, strerror(rc));
			return -1;
		}
		vm->cpus[i].started = true;
	}
	return 0;
}

void vm_cpus_stop(struct vm *vm)
{
	unsigned int i;

	pthread_mutex_lock(&vm->lock);
	atomic_store(&vm->stop, true);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->nr_cpus; i++) {
		if (vm->cpus[i].started)
			pthread_join(vm->cpus[i].thread, NULL);
		vm->cpus[i].started = false;
	}
}
