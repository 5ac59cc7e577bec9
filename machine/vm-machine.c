// SPDX-License-Identifier: MIT
/*
 * The machine: guest RAM, the threaded channel subsystem whose interruption and
 * channel-report callbacks wake the vCPUs, and the configured devices, each a virtio
 * device behind a virtio-ccw transport, created in command-line order (so automatic
 * device numbers come out as QEMU hands them out) and taken down in the same order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cpu-s390x.h"
#include "sclp.h"
#include "vm-int.h"

static void vm_log(void *opaque, enum vccw_log_level level, const char *msg)
{
	static const char *const names[] = {
		[VCCW_LOG_ERR] = "error", [VCCW_LOG_WARNING] = "warning",
		[VCCW_LOG_INFO] = "info", [VCCW_LOG_DEBUG] = "debug",
		[VCCW_LOG_GUEST] = "guest error",
	};
	int saved = errno;

	(void)opaque;
	vm_report("%s: %s\n",
		(unsigned int)level < VCCW_ARRAY_SIZE(names) && names[level] ? names[level] : "log",
		msg);
	errno = saved;
}

/* Wake every vCPU waiting for an interruption. Context: any thread, css locks held. */
static void wake_cpus(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	/* Atomic: a vCPU polls it without the lock before it sleeps. */
	__atomic_add_fetch(&vm->irq_gen, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

static void css_io_irq(void *opaque)
{
	wake_cpus(opaque);
}

static void css_crw_pending(void *opaque)
{
	struct vm *vm = opaque;

	pthread_mutex_lock(&vm->lock);
	vm->crw_mchk_pending = true;
	pthread_mutex_unlock(&vm->lock);
	wake_cpus(vm);
}

static const struct vccw_css_ops vm_css_ops = {
	.io_irq = css_io_irq,
	.crw_pending = css_crw_pending,
	.log = vm_log,
};

int vm_device_create(struct vm *vm, struct vm_device *dev, bool hotplug)
{
	struct vccw_err err = { 0 };
	struct vccw_virtio_ccw_config tcfg = {
		.busid = dev->has_busid ? &dev->busid : NULL,
		.max_revision = (unsigned int)dev->max_revision,
		.no_adapter = !dev->adapter_interrupts,
		.strict_read_status = dev->strict_read_status,
		/* Reference 9.4: only a device added while the guest runs gets a CRW. */
		.hotplug = hotplug,
	};
	uint64_t features = VCCW_VIRTIO_CCW_DEFAULT_FEATURES;

	if (!dev->type->device_id)
		return 0; /* a port: created by the device it plugs into */
	if (dev->packed)
		features |= VCCW_BIT(VCCW_VIRTIO_F_RING_PACKED);
	dev->vdev = dev->type->create(vm->mem, dev, features, &err);
	if (!dev->vdev) {
		vm_error(dev->what, "%s", err.msg);
		return -1;
	}
	vccw_virtio_dev_set_notify_inline(dev->vdev, !dev->ioeventfd);
	dev->transport = vccw_virtio_ccw_new(vm->css, dev->vdev, &tcfg, &err);
	if (!dev->transport) {
		vm_error(dev->what, "%s", err.msg);
		dev->type->destroy(dev);
		dev->vdev = NULL;
		dev->obj = NULL;
		return -1;
	}
	return 0;
}

void vm_device_destroy(struct vm_device *dev, bool hotplug)
{
	if (!dev->vdev)
		return;
	/*
	 * Detach first: once the subchannel is gone (E=0, V=0, a CRW when @hotplug:
	 * reference 9.4) no guest request reaches the device, channel programs and
	 * DIAGNOSE 0x500 using it have ended, and the reset below stops its queues.
	 */
	vccw_virtio_ccw_free(dev->transport, hotplug);
	dev->transport = NULL;
	dev->type->destroy(dev);
	dev->vdev = NULL;
	dev->obj = NULL;
}

int vm_machine_create(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	struct vccw_css_config ccfg = {
		.ops = &vm_css_ops,
		.opaque = vm,
		/* A short channel program ends inside SSCH, without the channel-thread hand-off. */
		.inline_start = true,
	};
	struct vccw_err err = { 0 };
	pthread_condattr_t attr;
	unsigned int i, nr = 0;
	struct iovec iov;

	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->dev_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->cond, &attr);
	pthread_condattr_destroy(&attr);
	atomic_init(&vm->stop, false);
	vm->done_fd = eventfd(0, EFD_CLOEXEC);
	vm->quit_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->done_fd < 0 || vm->quit_fd < 0) {
		vm_report("eventfd: %s\n", strerror(errno));
		return -1;
	}

	vm->mem = vccw_mem_new(cfg->mem_size, &err);
	if (!vm->mem) {
		vm_error("-m", "%s", err.msg);
		return -1;
	}
	/* The loadparm SCLP reports, with or without a firmware boot. */
	vm_ipl_init(&vm->ipl);
	if (cfg->has_loadparm)
		memcpy(vm->ipl.machine_loadparm, cfg->loadparm, sizeof(cfg->loadparm));
	/* The native guest sees RAM through one host pointer: RAM is one flat range. */
	if (vccw_mem_map(vm->mem, 0, cfg->mem_size, &iov, 1, &nr) != VCCW_MEM_OK || nr != 1) {
		vm_report("guest RAM is not one contiguous range\n");
		return -1;
	}
	vm->ram = iov.iov_base;
	/* The SCLP of the s390x back-end (cpu/sclp.h); its console is stdout. */
	vm->sclp = vm_sclp_new(cfg->mem_size, vm_sclp_stdout_write, vm);
	if (!vm->sclp) {
		vm_report("out of memory\n");
		return -1;
	}

	vm->css = vccw_css_new(vm->mem, &ccfg, &err);
	if (!vm->css) {
		vm_report("channel subsystem: %s\n", err.msg);
		return -1;
	}
	for (i = 0; i < cfg->nr_devices; i++)
		if (vm_device_create(vm, cfg->devices[i], false))
			return -1;

	vm->nr_cpus = cfg->smp;
	vm->cpus = calloc(vm->nr_cpus, sizeof(*vm->cpus));
	if (!vm->cpus) {
		vm_report("out of memory\n");
		return -1;
	}
	for (i = 0; i < vm->nr_cpus; i++) {
		vm->cpus[i].vm = vm;
		vm->cpus[i].index = i;
	}
	if (cfg->kernel_path) {
		if (vm_kernel_boot(vm))
			return -1;
	} else if (vm_ipl_wanted(cfg) && vm_ipl_cpu_start(vm)) {
		return -1;
	}
	return 0;
}

void vm_machine_destroy(struct vm *vm)
{
	struct vm_config *cfg = vm->cfg;
	unsigned int i;

	/* The monitor is gone by now; the lock only documents what it protects. */
	pthread_mutex_lock(&vm->dev_lock);
	for (i = 0; cfg && i < cfg->nr_devices; i++)
		vm_device_destroy(cfg->devices[i], false);
	pthread_mutex_unlock(&vm->dev_lock);
	vm_s390x_free(vm);
	vm_sclp_input_stop(vm);
	vm_sclp_free(vm->sclp);
	vm->sclp = NULL;
	if (vm->css)
		vccw_css_free(vm->css);
	vm->css = NULL;
	vccw_mem_free(vm->mem);
	vm->mem = NULL;
	vm->ram = NULL;
	vm_ipl_fini(&vm->ipl);
	free(vm->cpus);
	vm->cpus = NULL;
	vm->nr_cpus = 0;
	if (vm->done_fd >= 0)
		close(vm->done_fd);
	vm->done_fd = -1;
	if (vm->quit_fd >= 0)
		close(vm->quit_fd);
	vm->quit_fd = -1;
	pthread_cond_destroy(&vm->cond);
	pthread_mutex_destroy(&vm->lock);
	pthread_mutex_destroy(&vm->dev_lock);
}
