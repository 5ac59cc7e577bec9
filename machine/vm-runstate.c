// SPDX-License-Identifier: MIT
/*
 * The machine's run state as query-status reports it (QEMU's RunState: prelaunch,
 * running, paused, shutdown, guest-panicked) and the lifecycle requests that change it:
 * stop and cont from the monitor, the guest's end under -no-shutdown, a system reset,
 * and system_powerdown's signal-quiesce request that the guest may act on.
 *
 * A vCPU stops only between instructions: at its pause point (vm_cpu_pause_point()),
 * which the native vCPU passes at every intercept entry point and a CPU back-end between
 * blocks of guest code, and it counts as stopped while it waits for an interruption
 * (nothing is delivered until the machine runs again). Device I/O already under way is
 * not cancelled; it completes and its interruption is presented after cont, as QEMU's
 * vm_stop() drains requests in flight.
 */
#include <errno.h>

#include "vccw/css.h"

#include "sclp.h"

#include "vm-int.h"

static const char *const runstate_names[] = {
	[VM_RUN_PRELAUNCH] = "prelaunch",
	[VM_RUN_RUNNING] = "running",
	[VM_RUN_PAUSED] = "paused",
	[VM_RUN_SHUTDOWN] = "shutdown",
	[VM_RUN_GUEST_PANICKED] = "guest-panicked",
};

const char *vm_runstate_name(enum vm_runstate s)
{
	return (unsigned int)s < VCCW_ARRAY_SIZE(runstate_names) ? runstate_names[s] : "unknown";
}

bool vm_runstate_running(enum vm_runstate s)
{
	return s == VM_RUN_RUNNING;
}

enum vm_runstate vm_runstate_get(struct vm *vm)
{
	enum vm_runstate s;

	pthread_mutex_lock(&vm->lock);
	s = vm->runstate;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

/* Every pausable vCPU is parked (or the machine ends). Context: vm->lock held. */
static bool all_parked_locked(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_cpus; i++) {
		const struct vm_cpu *cpu = &vm->cpus[i];

		if (cpu->started && cpu->pausable && !cpu->parked)
			return false;
	}
	return true;
}

bool vm_runstate_stop(struct vm *vm, enum vm_runstate to)
{
	bool was_running;

	pthread_mutex_lock(&vm->lock);
	was_running = vm_runstate_running(vm->runstate);
	/* QEMU: stop while stopped changes nothing (paused stays paused, shutdown too). */
	if (was_running || to != VM_RUN_PAUSED)
		vm->runstate = to;
	atomic_store(&vm->cpus_run, vm_runstate_running(vm->runstate));
	/* A CPU back-end running guest code is kicked out to its pause point by this. */
	__atomic_add_fetch(&vm->irq_gen, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	while (!all_parked_locked(vm) && !atomic_load(&vm->stop))
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	return was_running;
}

int vm_runstate_cont(struct vm *vm)
{
	int rc = 1;

	pthread_mutex_lock(&vm->lock);
	if (vm->runstate == VM_RUN_SHUTDOWN)
		rc = -EBUSY;
	else if (vm_runstate_running(vm->runstate))
		rc = 0;
	else
		vm->runstate = VM_RUN_RUNNING;
	atomic_store(&vm->cpus_run, vm_runstate_running(vm->runstate));
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

void vm_runstate_reset(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm_runstate_running(vm->runstate))
		vm->runstate = VM_RUN_PRELAUNCH;
	atomic_store(&vm->cpus_run, vm_runstate_running(vm->runstate));
	vm->quiesce_pending = false;
	pthread_mutex_unlock(&vm->lock);
}

bool vm_cpu_pause_point(struct vm_cpu *cpu)
{
	struct vm *vm = cpu->vm;
	bool go;

	/* Running, and known to pause: no lock on the way (a stop waits for the next call). */
	if (cpu->pausable && atomic_load(&vm->cpus_run))
		return !atomic_load(&vm->stop);
	pthread_mutex_lock(&vm->lock);
	cpu->pausable = true;
	/* vCPU 0 leaves a stopped machine for a reset too (the program starts over). */
	while (!vm_runstate_running(vm->runstate) && !atomic_load(&vm->stop) &&
	       !(cpu->index == 0 && atomic_load(&vm->reset_req))) {
		if (!cpu->parked) {
			cpu->parked = true;
			/* vm_runstate_stop() waits for this. */
			pthread_cond_broadcast(&vm->cond);
		}
		pthread_cond_wait(&vm->cond, &vm->lock);
	}
	cpu->parked = false;
	go = !atomic_load(&vm->stop);
	pthread_mutex_unlock(&vm->lock);
	return go;
}

void vm_runstate_init(struct vm *vm)
{
	vm->runstate = vm->cfg->start_paused ? VM_RUN_PRELAUNCH : VM_RUN_RUNNING;
	atomic_init(&vm->cpus_run, vm_runstate_running(vm->runstate));
	vm->quiesce_pending = false;
}

void vm_cpu_unpausable(struct vm_cpu *cpu)
{
	pthread_mutex_lock(&cpu->vm->lock);
	cpu->pausable = false;
	pthread_cond_broadcast(&cpu->vm->cond);
	pthread_mutex_unlock(&cpu->vm->lock);
}

void vm_powerdown_request(struct vm *vm)
{
	/*
	 * The s390x CPU: the SCLP's signal-quiesce event (QEMU's sclpquiesce), announced
	 * by a service signal once the guest reads that event type. Outside vm->lock: the
	 * SCLP's notification takes it.
	 */
	if (vm->s390x && vm->sclp) {
		vm_sclp_quiesce(vm->sclp);
		return;
	}
	pthread_mutex_lock(&vm->lock);
	vm->quiesce_pending = true;
	/* A vCPU waiting for an interruption looks again (take_irq's generation). */
	__atomic_add_fetch(&vm->irq_gen, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

bool vm_powerdown_take(struct vm *vm)
{
	bool pending;

	pthread_mutex_lock(&vm->lock);
	pending = vm->quiesce_pending;
	vm->quiesce_pending = false;
	pthread_mutex_unlock(&vm->lock);
	return pending;
}

static void machine_reset(struct vm *vm);

void vm_reset_post(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	atomic_store(&vm->reset_req, true);
	/* The kicker wakes on it and takes the vCPU out of the engine (cpu-s390x.c). */
	__atomic_add_fetch(&vm->irq_gen, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

int vm_reset_request(struct vm *vm)
{
	uint64_t gen;

	/* No guest code: no vCPU runs any, the reset is done here. */
	if (!vm->cfg->program && !vm->s390x) {
		machine_reset(vm);
		return 0;
	}
	pthread_mutex_lock(&vm->lock);
	gen = vm->reset_gen;
	atomic_store(&vm->reset_req, true);
	/* Wake a vCPU waiting for an interruption: it leaves the program at once. */
	__atomic_add_fetch(&vm->irq_gen, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	/* As QEMU's: when the command returns (and RESET is sent), the reset is done. */
	while (vm->reset_gen == gen && !atomic_load(&vm->stop))
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

/*
 * The machine part of a system reset, with the program unwound (or the s390x CPU out
 * of the engine): the channel subsystem (subchannels, pending interruptions, CRWs) and
 * every device back to their initial state; the s390x CPU reset and its boot images
 * loaded again. Guest RAM is otherwise kept, as QEMU's system_reset keeps it.
 */
static void machine_reset(struct vm *vm)
{
	/* The same subsystem reset as DIAGNOSE 0x308's: css, transports and devices. */
	vm_subsystem_reset(vm);
	vccw_css_set_isc_mask(vm->css, 0);
	pthread_mutex_lock(&vm->lock);
	vm->crw_mchk_pending = false;
	pthread_mutex_unlock(&vm->lock);
	/* The s390x CPU: a clear reset and a new IPL of what it booted (the vCPU's thread). */
	if (vm->s390x)
		vm_boot_system_reset(vm);
	vm_runstate_reset(vm);
}

bool vm_reset_wait(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (!atomic_load(&vm->stop) && !atomic_load(&vm->reset_req))
		pthread_cond_wait(&vm->cond, &vm->lock);
	if (atomic_load(&vm->stop)) {
		pthread_mutex_unlock(&vm->lock);
		return false;
	}
	atomic_store(&vm->reset_req, false);
	pthread_mutex_unlock(&vm->lock);
	machine_reset(vm);
	pthread_mutex_lock(&vm->lock);
	vm->reset_gen++;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return true;
}
