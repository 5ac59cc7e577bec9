// SPDX-License-Identifier: MIT
/*
 * virtio core, device side: feature negotiation (virtio v1.2 section 2.2), the device
 * status field and its rules (2.1, 3.1), device reset (2.4), configuration space in the
 * negotiated byte order (2.5; legacy s390 devices are big-endian, 2.5.3), queue setup
 * with the negotiated ring options, and the device's I/O thread, which turns available-
 * buffer notifications (one eventfd per queue) into queue_notify() calls under the
 * device lock. A broken ring becomes DEVICE_NEEDS_RESET plus a configuration change
 * notification (2.1.2).
 */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vccw/byteorder.h"
#include "vccw/poll.h"
#include "trace-int.h"
#include "vccw/virtio.h"
#include "virtio-int.h"

/* Trace arguments naming @vdev: its type and address. */
#define VDEV_ID(vdev)                                                                              \
	((vdev)->ops && (vdev)->ops->name ? (vdev)->ops->name : "virtio"), (void *)(vdev)

/* epoll tags: device slot, kind and index. */
#define TAG_STOP 0u
#define TAG_KICK 1u
#define TAG_WATCH 2u
#define TAG_CALL 3u
#define TAG_CTL 4u
#define TAG(slot, kind, idx) (((uint64_t)(slot) << 40) | ((uint64_t)(kind) << 32) | (idx))

/* A device to attach to (or detach from) an I/O thread, done by that thread. */
struct iot_req {
	struct vccw_list link;
	struct vccw_virtio_dev *vdev;
	bool attach;
	bool done;
	int rc;
};

struct vccw_iothread {
	pthread_t thread;
	int epfd;
	int stop_fd;
	int ctl_fd;
	struct vccw_poll poll; /* adaptive polling; max_ns 0: never */
	/* The thread polls its devices' kick bits (atomic): a kick needs no eventfd write. */
	bool polling;
	/*
	 * Attached devices by slot. Written only by the thread itself (serving an iot_req),
	 * so it reads them without a lock; nr_devices is also read atomically by others.
	 */
	struct vccw_virtio_dev *devs[VCCW_IOTHREAD_MAX_DEVICES];
	unsigned int nr_slots; /* slots in use or freed: devs[0..nr_slots) */
	unsigned int nr_devices;
	/* Attach/detach requests: protected by ctl_lock; ctl_pending also read atomically. */
	pthread_mutex_t ctl_lock;
	pthread_cond_t ctl_cond;
	struct vccw_list reqs;
	unsigned int ctl_pending;
};

/* ---- I/O thread ---- */

/* Serve queue @idx after a notification. Context: device lock held. */
static void serve_queue_locked(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	bool live;

	/* 2.1.2 / 3.1: queues are serviced only while the driver says the device is live. */
	live = (vdev->status & VCCW_VIRTIO_S_DRIVER_OK) &&
	       !(vdev->status & VCCW_VIRTIO_S_NEEDS_RESET) && vccw_vq_ready(vdev->vqs[idx]) &&
	       vdev->ops->queue_notify;
	VCCW_TRACE(virtio_queue_notify, VDEV_ID(vdev), idx, live);
	if (live)
		vdev->ops->queue_notify(vdev, idx);
}

/* Serve queue @idx after a notification. Context: the I/O thread. */
static void serve_queue(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	__atomic_add_fetch(&vdev->io->io_busy, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&vdev->lock);
	serve_queue_locked(vdev, idx);
	pthread_mutex_unlock(&vdev->lock);
	__atomic_sub_fetch(&vdev->io->io_busy, 1, __ATOMIC_ACQ_REL);
}

/* Serve every queue notified so far; several kicks of a queue collapse into one pass. */
static bool serve_kicks(struct vccw_virtio_dev *vdev)
{
	uint64_t bits = __atomic_exchange_n(&vdev->io->kick_bits, 0, __ATOMIC_SEQ_CST);
	bool any = bits != 0;

	while (bits) {
		unsigned int idx = (unsigned int)__builtin_ctzll(bits);

		bits &= bits - 1;
		serve_queue(vdev, idx);
	}
	return any;
}

/* A queue of @vdev notified, a call queued for it, or backend completions waiting. */
static bool dev_ready(struct vccw_virtio_dev *vdev)
{
	return __atomic_load_n(&vdev->io->kick_bits, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&vdev->io->calls_queued, __ATOMIC_SEQ_CST) !=
		       __atomic_load_n(&vdev->io->calls_done, __ATOMIC_SEQ_CST) ||
	       (vdev->ops->poll_ready && vdev->ops->poll_ready(vdev));
}

/* Polling condition of an I/O thread: one of its devices has work, or a request came. */
static bool io_ready(void *arg)
{
	struct vccw_iothread *iot = arg;
	unsigned int i;

	if (__atomic_load_n(&iot->ctl_pending, __ATOMIC_SEQ_CST))
		return true;
	for (i = 0; i < iot->nr_slots; i++) {
		if (iot->devs[i] && dev_ready(iot->devs[i]))
			return true;
	}
	return false;
}

static bool any_kicked(struct vccw_iothread *iot)
{
	unsigned int i;

	for (i = 0; i < iot->nr_slots; i++) {
		if (iot->devs[i] && __atomic_load_n(&iot->devs[i]->io->kick_bits, __ATOMIC_SEQ_CST))
			return true;
	}
	return false;
}

/* Run the calls queued so far, in order, each without any lock held. */
static void handle_calls(struct vccw_virtio_dev *vdev)
{
	struct vccw_virtio_call *call;
	struct vccw_list *n;
	uint64_t count;
	ssize_t r;

	r = read(vdev->io->call_fd, &count, sizeof(count));
	(void)r;
	for (;;) {
		pthread_mutex_lock(&vdev->io->call_lock);
		n = vccw_list_first(&vdev->io->calls);
		if (n)
			vccw_list_del(n);
		pthread_mutex_unlock(&vdev->io->call_lock);
		if (!n)
			return;
		call = container_of(n, struct vccw_virtio_call, link);
		call->fn(vdev, call);
		pthread_mutex_lock(&vdev->io->call_lock);
		__atomic_add_fetch(&vdev->io->calls_done, 1, __ATOMIC_SEQ_CST);
		pthread_cond_broadcast(&vdev->io->call_cond);
		pthread_mutex_unlock(&vdev->io->call_lock);
	}
}

static int epoll_add(struct vccw_iothread *iot, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(iot->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

/* Take the fds of @vdev out of the thread's set (those not in it: ignored). */
static void dev_unwatch_all(struct vccw_iothread *iot, struct vccw_virtio_dev *vdev)
{
	unsigned int i;

	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++) {
		if (vdev->io->kick_fd[i] >= 0)
			epoll_ctl(iot->epfd, EPOLL_CTL_DEL, vdev->io->kick_fd[i], NULL);
	}
	if (vdev->io->call_fd >= 0)
		epoll_ctl(iot->epfd, EPOLL_CTL_DEL, vdev->io->call_fd, NULL);
	pthread_mutex_lock(&vdev->lock);
	for (i = 0; i < vdev->io->nr_watch; i++) {
		if (vdev->io->watch[i].fn)
			epoll_ctl(iot->epfd, EPOLL_CTL_DEL, vdev->io->watch[i].fd, NULL);
	}
	pthread_mutex_unlock(&vdev->lock);
}

/* Attach @vdev to a free slot and watch its kick and call fds. Context: the thread. */
static int dev_attach(struct vccw_iothread *iot, struct vccw_virtio_dev *vdev)
{
	unsigned int slot, i;
	int rc = 0;

	for (slot = 0; slot < iot->nr_slots && iot->devs[slot]; slot++)
		;
	if (slot == VCCW_IOTHREAD_MAX_DEVICES)
		return -ENOSPC;
	vdev->io->iot_slot = slot;
	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES && !rc; i++) {
		if (vdev->io->kick_fd[i] >= 0)
			rc = epoll_add(iot, vdev->io->kick_fd[i], TAG(slot, TAG_KICK, i));
	}
	if (!rc)
		rc = epoll_add(iot, vdev->io->call_fd, TAG(slot, TAG_CALL, 0));
	if (rc) {
		dev_unwatch_all(iot, vdev);
		return rc;
	}
	iot->devs[slot] = vdev;
	if (slot == iot->nr_slots)
		iot->nr_slots++;
	__atomic_add_fetch(&iot->nr_devices, 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Detach @vdev: after this the thread never looks at it again (the events of the batch
 * it was serving came before the request was taken). Context: the thread.
 */
static void dev_detach(struct vccw_iothread *iot, struct vccw_virtio_dev *vdev)
{
	dev_unwatch_all(iot, vdev);
	iot->devs[vdev->io->iot_slot] = NULL;
	while (iot->nr_slots && !iot->devs[iot->nr_slots - 1])
		iot->nr_slots--;
	__atomic_sub_fetch(&iot->nr_devices, 1, __ATOMIC_RELEASE);
}

/* Serve the attach/detach requests queued so far. Context: the thread, between batches. */
static void handle_ctl(struct vccw_iothread *iot)
{
	struct iot_req *req;
	struct vccw_list *n;
	uint64_t count;
	ssize_t r;

	r = read(iot->ctl_fd, &count, sizeof(count));
	(void)r;
	pthread_mutex_lock(&iot->ctl_lock);
	while ((n = vccw_list_first(&iot->reqs))) {
		vccw_list_del(n);
		req = container_of(n, struct iot_req, link);
		if (req->attach) {
			req->rc = dev_attach(iot, req->vdev);
		} else {
			dev_detach(iot, req->vdev);
			req->rc = 0;
		}
		req->done = true;
		__atomic_sub_fetch(&iot->ctl_pending, 1, __ATOMIC_SEQ_CST);
	}
	pthread_cond_broadcast(&iot->ctl_cond);
	pthread_mutex_unlock(&iot->ctl_lock);
}

/* Have the thread attach or detach @vdev, and wait for it. Context: not the thread. */
static int iot_request(struct vccw_iothread *iot, struct vccw_virtio_dev *vdev, bool attach)
{
	struct iot_req req = { .vdev = vdev, .attach = attach };
	uint64_t one = 1;
	ssize_t n;

	pthread_mutex_lock(&iot->ctl_lock);
	vccw_list_add_tail(&iot->reqs, &req.link);
	__atomic_add_fetch(&iot->ctl_pending, 1, __ATOMIC_SEQ_CST);
	n = write(iot->ctl_fd, &one, sizeof(one));
	(void)n;
	while (!req.done)
		pthread_cond_wait(&iot->ctl_cond, &iot->ctl_lock);
	pthread_mutex_unlock(&iot->ctl_lock);
	return req.rc;
}

/*
 * The I/O thread: serve the notified queues of its devices; when there is nothing to do,
 * poll their kick bits (and call queues, and attach requests) for an adaptive, bounded
 * time (include/vccw/poll.h) while vccw_virtio_kick() leaves the eventfds alone, then
 * sleep in epoll_wait() on the eventfds, watched fds, call fds, its request fd and its
 * stop fd.
 */
static void *io_thread(void *arg)
{
	struct vccw_iothread *iot = arg;
	struct vccw_virtio_dev *vdev;
	struct epoll_event ev[16];
	uint64_t t0, count;
	bool ready, any;
	unsigned int i;
	int n, j;
	ssize_t r;
	__typeof__(&vdev->io->watch[0]) w;

	for (;;) {
		if (__atomic_load_n(&iot->ctl_pending, __ATOMIC_SEQ_CST))
			handle_ctl(iot);
		any = false;
		for (i = 0; i < iot->nr_slots; i++) {
			if (iot->devs[i] && serve_kicks(iot->devs[i]))
				any = true;
		}
		if (any)
			continue;
		__atomic_store_n(&iot->polling, true, __ATOMIC_SEQ_CST);
		ready = vccw_poll_spin(&iot->poll, io_ready, iot, &t0);
		/* A kick that saw polling set relies on the kick bits being read after. */
		__atomic_store_n(&iot->polling, false, __ATOMIC_SEQ_CST);
		if (any_kicked(iot)) {
			vccw_poll_adapt(&iot->poll, t0);
			continue;
		}
		/* Something else became ready while polling: collect it without sleeping. */
		n = epoll_wait(iot->epfd, ev, VCCW_ARRAY_SIZE(ev), ready ? 0 : -1);
		vccw_poll_adapt(&iot->poll, t0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		for (j = 0; j < n; j++) {
			unsigned int slot = (unsigned int)(ev[j].data.u64 >> 40);
			unsigned int kind = (ev[j].data.u64 >> 32) & 0xff;
			unsigned int idx = (uint32_t)ev[j].data.u64;

			if (kind == TAG_STOP)
				return NULL;
			if (kind == TAG_CTL)
				continue; /* served at the top, between batches */
			vdev = slot < iot->nr_slots ? iot->devs[slot] : NULL;
			if (!vdev)
				continue;
			switch (kind) {
			case TAG_KICK:
				/* The bit was set before the eventfd was written. */
				r = read(vdev->io->kick_fd[idx], &count, sizeof(count));
				(void)r;
				__atomic_or_fetch(&vdev->io->kick_bits, VCCW_BIT(idx), __ATOMIC_SEQ_CST);
				break;
			case TAG_WATCH:
				__atomic_add_fetch(&vdev->io->io_busy, 1, __ATOMIC_ACQ_REL);
				pthread_mutex_lock(&vdev->lock);
				w = &vdev->io->watch[idx];
				/* Unwatched after epoll reported it: nothing to do. */
				if (w->fn)
					w->fn(vdev, w->fd, w->arg);
				pthread_mutex_unlock(&vdev->lock);
				__atomic_sub_fetch(&vdev->io->io_busy, 1, __ATOMIC_ACQ_REL);
				break;
			case TAG_CALL:
				handle_calls(vdev);
				break;
			}
		}
	}
}

struct vccw_iothread *vccw_iothread_new(uint32_t poll_max_ns, struct vccw_err *err)
{
	struct vccw_iothread *iot = calloc(1, sizeof(*iot));
	sigset_t all, old;
	int rc;

	if (!iot) {
		vccw_err_set(err, ENOMEM, "iothread: out of memory");
		return NULL;
	}
	iot->poll.max_ns = poll_max_ns;
	pthread_mutex_init(&iot->ctl_lock, NULL);
	pthread_cond_init(&iot->ctl_cond, NULL);
	vccw_list_init(&iot->reqs);
	iot->epfd = epoll_create1(EPOLL_CLOEXEC);
	iot->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	iot->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (iot->epfd < 0 || iot->stop_fd < 0 || iot->ctl_fd < 0) {
		vccw_err_set(err, errno, "iothread: cannot create its fds");
		goto err_close;
	}
	rc = epoll_add(iot, iot->stop_fd, TAG(0, TAG_STOP, 0));
	if (!rc)
		rc = epoll_add(iot, iot->ctl_fd, TAG(0, TAG_CTL, 0));
	if (rc) {
		vccw_err_set(err, -rc, "iothread: epoll_ctl failed");
		goto err_close;
	}
	/* Signals belong to the embedder's threads, not to ours. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&iot->thread, NULL, io_thread, iot);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		vccw_err_set(err, rc, "iothread: cannot start the thread");
		goto err_close;
	}
	return iot;

err_close:
	if (iot->epfd >= 0)
		close(iot->epfd);
	if (iot->stop_fd >= 0)
		close(iot->stop_fd);
	if (iot->ctl_fd >= 0)
		close(iot->ctl_fd);
	pthread_cond_destroy(&iot->ctl_cond);
	pthread_mutex_destroy(&iot->ctl_lock);
	free(iot);
	return NULL;
}

void vccw_iothread_free(struct vccw_iothread *iot)
{
	uint64_t one = 1;
	ssize_t n;

	if (!iot)
		return;
	assert(!__atomic_load_n(&iot->nr_devices, __ATOMIC_ACQUIRE));
	n = write(iot->stop_fd, &one, sizeof(one));
	(void)n;
	pthread_join(iot->thread, NULL);
	close(iot->epfd);
	close(iot->stop_fd);
	close(iot->ctl_fd);
	pthread_cond_destroy(&iot->ctl_cond);
	pthread_mutex_destroy(&iot->ctl_lock);
	free(iot);
}

unsigned int vccw_iothread_nr_devices(struct vccw_iothread *iot)
{
	return __atomic_load_n(&iot->nr_devices, __ATOMIC_ACQUIRE);
}

pthread_t vccw_iothread_thread(struct vccw_iothread *iot)
{
	return iot->thread;
}

/* ---- Life cycle ---- */

static uint16_t queue_max_locked(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	uint16_t max;

	if (idx >= VCCW_VIRTIO_MAX_QUEUES || !vdev->vqs[idx])
		return 0;
	max = vdev->ops->queue_max(vdev, idx);
	return max > VCCW_VQ_MAX_SIZE ? VCCW_VQ_MAX_SIZE : max;
}

static void close_fds(struct vccw_virtio_dev *vdev)
{
	unsigned int i;

	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++) {
		if (vdev->io->kick_fd[i] >= 0)
			close(vdev->io->kick_fd[i]);
		vdev->io->kick_fd[i] = -1;
	}
	if (vdev->io->call_fd >= 0)
		close(vdev->io->call_fd);
	vdev->io->call_fd = -1;
}

static void free_queues(struct vccw_virtio_dev *vdev)
{
	unsigned int i;

	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++) {
		vccw_vq_free(vdev->vqs[i]);
		vdev->vqs[i] = NULL;
	}
	free(vdev->elem);
	vdev->elem = NULL;
}

int vccw_virtio_dev_init(struct vccw_virtio_dev *vdev, const struct vccw_virtio_dev_ops *ops,
			 struct vccw_mem *mem, uint64_t extra_features, struct vccw_err *err)
{
	return vccw_virtio_dev_init_iothread(vdev, ops, mem, extra_features, NULL, err);
}

int vccw_virtio_dev_init_iothread(struct vccw_virtio_dev *vdev,
				  const struct vccw_virtio_dev_ops *ops, struct vccw_mem *mem,
				  uint64_t extra_features, struct vccw_iothread *iot,
				  struct vccw_err *err)
{
	unsigned int i;
	int rc = 0;

	memset(vdev, 0, sizeof(*vdev));
	if (!ops || !ops->queue_max)
		return vccw_err_set(err, EINVAL, "virtio device needs ops with queue_max");
	vdev->ops = ops;
	vdev->mem = mem;
	vdev->legacy = true;
	vdev->io = calloc(1, sizeof(*vdev->io));
	if (!vdev->io)
		return vccw_err_set(err, ENOMEM, "out of memory");
	vdev->io->call_fd = -1;
	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++)
		vdev->io->kick_fd[i] = -1;
	rc = pthread_mutex_init(&vdev->lock, NULL);
	if (rc) {
		free(vdev->io);
		vdev->io = NULL;
		return vccw_err_set(err, rc, "%s: cannot create the device lock", ops->name);
	}
	pthread_mutex_init(&vdev->io->call_lock, NULL);
	pthread_cond_init(&vdev->io->call_cond, NULL);
	vccw_list_init(&vdev->io->calls);

	vdev->elem = calloc(1, sizeof(*vdev->elem));
	if (!vdev->elem) {
		rc = vccw_err_set(err, ENOMEM, "out of memory");
		goto err_free_queues;
	}
	vdev->io->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vdev->io->call_fd < 0) {
		rc = vccw_err_set(err, errno, "%s: cannot create the I/O thread's fds", ops->name);
		goto err_close_fds;
	}

	pthread_mutex_lock(&vdev->lock);
	vdev->host_features = (ops->get_features ? ops->get_features(vdev) : 0) | extra_features;
	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++) {
		if (ops->queue_max(vdev, i) == 0)
			continue;
		vdev->vqs[i] = vccw_vq_new(mem, err);
		if (!vdev->vqs[i]) {
			rc = -ENOMEM;
			break;
		}
		vdev->nr_queues++;
		vdev->io->kick_fd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vdev->io->kick_fd[i] < 0) {
			rc = vccw_err_set(err, errno, "%s: cannot create queue %u's eventfd",
					  ops->name, i);
			break;
		}
	}
	pthread_mutex_unlock(&vdev->lock);
	if (rc)
		goto err_close_fds;

	if (!iot) {
		iot = vccw_iothread_new(VCCW_POLL_DEFAULT_MAX_NS, err);
		if (!iot) {
			rc = err && err->code ? err->code : -ENOMEM;
			goto err_close_fds;
		}
		vdev->io->own_iot = true;
	}
	vdev->io->iot = iot;
	rc = iot_request(iot, vdev, true);
	if (rc) {
		if (rc == -ENOSPC)
			vccw_err_set(err, ENOSPC, "%s: the iothread serves %u devices already",
				     ops->name, VCCW_IOTHREAD_MAX_DEVICES);
		else
			vccw_err_set(err, -rc, "%s: epoll_ctl failed", ops->name);
		goto err_free_iot;
	}
	return 0;

err_free_iot:
	if (vdev->io->own_iot)
		vccw_iothread_free(iot);
	vdev->io->iot = NULL;
	vdev->io->own_iot = false;
err_close_fds:
	close_fds(vdev);
err_free_queues:
	free_queues(vdev);
	pthread_cond_destroy(&vdev->io->call_cond);
	pthread_mutex_destroy(&vdev->io->call_lock);
	pthread_mutex_destroy(&vdev->lock);
	free(vdev->io);
	vdev->io = NULL;
	return rc;
}

void vccw_virtio_dev_fini(struct vccw_virtio_dev *vdev)
{
	if (!vdev->io)
		return; /* never initialised, or its init failed and undid itself */
	if (vdev->io->iot) {
		/* From now on the thread (shared or not) never looks at this device. */
		iot_request(vdev->io->iot, vdev, false);
		if (vdev->io->own_iot)
			vccw_iothread_free(vdev->io->iot);
		vdev->io->iot = NULL;
		vdev->io->own_iot = false;
	}
	close_fds(vdev);
	free_queues(vdev);
	pthread_cond_destroy(&vdev->io->call_cond);
	pthread_mutex_destroy(&vdev->io->call_lock);
	pthread_mutex_destroy(&vdev->lock);
	free(vdev->io);
	vdev->io = NULL;
}

void vccw_virtio_dev_set_notify_inline(struct vccw_virtio_dev *vdev, bool on)
{
	__atomic_store_n(&vdev->io->notify_inline, on, __ATOMIC_RELEASE);
}

bool vccw_virtio_dev_busy(struct vccw_virtio_dev *vdev)
{
	return __atomic_load_n(&vdev->io->io_busy, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&vdev->backend_inflight, __ATOMIC_ACQUIRE);
}

void vccw_virtio_dev_call(struct vccw_virtio_dev *vdev, struct vccw_virtio_call *call)
{
	uint64_t one = 1;
	ssize_t n;

	pthread_mutex_lock(&vdev->io->call_lock);
	vccw_list_add_tail(&vdev->io->calls, &call->link);
	__atomic_add_fetch(&vdev->io->calls_queued, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vdev->io->call_lock);
	/* Non-blocking: a counter at its maximum already means "calls pending". */
	n = write(vdev->io->call_fd, &one, sizeof(one));
	(void)n;
}

void vccw_virtio_dev_flush_calls(struct vccw_virtio_dev *vdev)
{
	uint64_t want;

	pthread_mutex_lock(&vdev->io->call_lock);
	want = vdev->io->calls_queued;
	while (vdev->io->calls_done < want)
		pthread_cond_wait(&vdev->io->call_cond, &vdev->io->call_lock);
	pthread_mutex_unlock(&vdev->io->call_lock);
}

int vccw_virtio_dev_watch_fd(struct vccw_virtio_dev *vdev, int fd, vccw_virtio_fd_fn *fn,
			     void *arg)
{
	unsigned int i;
	int rc;

	if (!fn || fd < 0)
		return -EINVAL;
	pthread_mutex_lock(&vdev->lock);
	if (vdev->io->nr_watch >= VCCW_ARRAY_SIZE(vdev->io->watch)) {
		pthread_mutex_unlock(&vdev->lock);
		return -ENOSPC;
	}
	i = vdev->io->nr_watch;
	vdev->io->watch[i].fd = fd;
	vdev->io->watch[i].fn = fn;
	vdev->io->watch[i].arg = arg;
	/* Registered under the lock, so the thread never sees a half-filled slot. */
	rc = epoll_add(vdev->io->iot, fd, TAG(vdev->io->iot_slot, TAG_WATCH, i));
	if (!rc)
		vdev->io->nr_watch++;
	pthread_mutex_unlock(&vdev->lock);
	return rc;
}

int vccw_virtio_dev_unwatch_fd_locked(struct vccw_virtio_dev *vdev, int fd)
{
	unsigned int i;

	for (i = 0; i < vdev->io->nr_watch; i++) {
		if (vdev->io->watch[i].fd != fd || !vdev->io->watch[i].fn)
			continue;
		/* An fd closed meanwhile left the epoll set by itself: ignore the error. */
		epoll_ctl(vdev->io->iot->epfd, EPOLL_CTL_DEL, fd, NULL);
		vdev->io->watch[i].fn = NULL;
		return 0;
	}
	return -ENOENT;
}

/* ---- Features and status ---- */

uint32_t vccw_virtio_read_features(struct vccw_virtio_dev *vdev, unsigned int index)
{
	uint32_t bits;

	if (index >= 2)
		return 0;
	pthread_mutex_lock(&vdev->lock);
	bits = (uint32_t)(vdev->host_features >> (32 * index));
	pthread_mutex_unlock(&vdev->lock);
	VCCW_TRACE(virtio_read_features, VDEV_ID(vdev), index, bits);
	return bits;
}

bool vccw_virtio_write_features(struct vccw_virtio_dev *vdev, unsigned int index, uint32_t bits)
{
	uint64_t mask;

	pthread_mutex_lock(&vdev->lock);
	/* 3.1.1: features are fixed once FEATURES_OK (or, legacy, DRIVER_OK) is set. */
	if (vdev->status & (VCCW_VIRTIO_S_FEATURES_OK | VCCW_VIRTIO_S_DRIVER_OK)) {
		VCCW_TRACE(virtio_write_features, VDEV_ID(vdev), index, bits, vdev->guest_features,
			   0);
		pthread_mutex_unlock(&vdev->lock);
		return false;
	}
	if (index < 2) {
		mask = (uint64_t)UINT32_MAX << (32 * index);
		/* 2.2: bits the device did not offer cannot be accepted; drop them. */
		vdev->guest_features = (vdev->guest_features & ~mask) |
				       (((uint64_t)bits << (32 * index)) & vdev->host_features);
		/* Config space and rings follow the accepted VERSION_1 from now on (2.5.3). */
		vdev->legacy = !(vdev->guest_features & VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
	}
	/* Words beyond 63 hold nothing we offer: every bit is dropped. */
	VCCW_TRACE(virtio_write_features, VDEV_ID(vdev), index, bits, vdev->guest_features, 1);
	pthread_mutex_unlock(&vdev->lock);
	return true;
}

static void reset_locked(struct vccw_virtio_dev *vdev)
{
	unsigned int i;

	VCCW_TRACE(virtio_reset, VDEV_ID(vdev));
	vdev->status = 0;
	vdev->guest_features = 0;
	vdev->legacy = true;
	for (i = 0; i < VCCW_VIRTIO_MAX_QUEUES; i++) {
		if (vdev->vqs[i])
			vccw_vq_reset(vdev->vqs[i]);
	}
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
}

void vccw_virtio_dev_quiesce(struct vccw_virtio_dev *vdev)
{
	pthread_mutex_lock(&vdev->lock);
	vdev->quiesced = true;
	reset_locked(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

void vccw_virtio_reset(struct vccw_virtio_dev *vdev)
{
	pthread_mutex_lock(&vdev->lock);
	reset_locked(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

static bool features_ok(struct vccw_virtio_dev *vdev)
{
	if (vdev->ops->validate_features)
		return vdev->ops->validate_features(vdev, vdev->guest_features);
	return true;
}

bool vccw_virtio_set_status(struct vccw_virtio_dev *vdev, uint8_t status)
{
	uint8_t old, new_status, added;
	bool ok = true;

	pthread_mutex_lock(&vdev->lock);
	old = vdev->status;
	if (status == 0) {
		/* 2.4: writing 0 resets the device. */
		reset_locked(vdev);
		goto out;
	}
	/* NEEDS_RESET belongs to the device: the driver can neither set nor clear it. */
	new_status = (uint8_t)((status & ~VCCW_VIRTIO_S_NEEDS_RESET) |
			       (old & VCCW_VIRTIO_S_NEEDS_RESET));
	/* 2.1.1: the driver never clears a status bit; only a reset (0) does. */
	if (old & ~new_status) {
		ok = false;
		goto out;
	}
	added = new_status & ~old;
	if (added & VCCW_VIRTIO_S_FEATURES_OK) {
		/* 2.2.1, 3.1.1: the device refuses a subset it cannot work with. */
		if (!features_ok(vdev)) {
			ok = false;
			goto out;
		}
		vdev->legacy = !(vdev->guest_features & VCCW_BIT(VCCW_VIRTIO_F_VERSION_1));
	}
	/*
	 * 3.1.1: a VERSION_1 driver sets FEATURES_OK before DRIVER_OK (legacy drivers have
	 * no FEATURES_OK step at all, 3.1.2).
	 */
	if ((added & VCCW_VIRTIO_S_DRIVER_OK) &&
	    (vdev->guest_features & VCCW_BIT(VCCW_VIRTIO_F_VERSION_1)) &&
	    !(new_status & VCCW_VIRTIO_S_FEATURES_OK)) {
		ok = false;
		goto out;
	}
	vdev->status = new_status;
	if ((added & VCCW_VIRTIO_S_DRIVER_OK) && vdev->ops->start)
		vdev->ops->start(vdev);
out:
	VCCW_TRACE(virtio_set_status, VDEV_ID(vdev), old, status, ok);
	pthread_mutex_unlock(&vdev->lock);
	return ok;
}

uint8_t vccw_virtio_get_status(struct vccw_virtio_dev *vdev)
{
	uint8_t status;

	pthread_mutex_lock(&vdev->lock);
	status = vdev->status;
	pthread_mutex_unlock(&vdev->lock);
	return status;
}

/* ---- Configuration space ---- */

static uint32_t config_size_locked(struct vccw_virtio_dev *vdev)
{
	return vdev->ops->config_size ? vdev->ops->config_size(vdev) : 0;
}

uint32_t vccw_virtio_config_size(struct vccw_virtio_dev *vdev)
{
	uint32_t size;

	pthread_mutex_lock(&vdev->lock);
	size = config_size_locked(vdev);
	pthread_mutex_unlock(&vdev->lock);
	return size;
}

static bool config_range_ok(struct vccw_virtio_dev *vdev, uint32_t off, uint32_t len)
{
	uint32_t size = config_size_locked(vdev);

	return len <= size && off <= size - len;
}

bool vccw_virtio_read_config(struct vccw_virtio_dev *vdev, uint32_t off, uint8_t *buf,
			     uint32_t len)
{
	bool ok;

	pthread_mutex_lock(&vdev->lock);
	ok = config_range_ok(vdev, off, len);
	if (ok) {
		if (vdev->ops->read_config)
			vdev->ops->read_config(vdev, off, buf, len);
		else
			memset(buf, 0, len);
	}
	pthread_mutex_unlock(&vdev->lock);
	return ok;
}

bool vccw_virtio_write_config(struct vccw_virtio_dev *vdev, uint32_t off, const uint8_t *buf,
			      uint32_t len)
{
	bool ok;

	pthread_mutex_lock(&vdev->lock);
	ok = config_range_ok(vdev, off, len);
	/* Without a write hook the space is read-only: writes are accepted and dropped. */
	if (ok && vdev->ops->write_config)
		vdev->ops->write_config(vdev, off, buf, len);
	pthread_mutex_unlock(&vdev->lock);
	return ok;
}

/* ---- Queues ---- */

uint16_t vccw_virtio_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	uint16_t max;

	pthread_mutex_lock(&vdev->lock);
	max = queue_max_locked(vdev, idx);
	pthread_mutex_unlock(&vdev->lock);
	return max;
}

int vccw_virtio_queue_setup(struct vccw_virtio_dev *vdev, unsigned int idx,
			    const struct vccw_vq_config *cfg)
{
	struct vccw_vq_config c;
	uint16_t max;
	int rc;

	pthread_mutex_lock(&vdev->lock);
	max = queue_max_locked(vdev, idx);
	if (!max) {
		rc = -EINVAL;
	} else if (!cfg) {
		rc = vccw_vq_setup(vdev->vqs[idx], NULL);
	} else if (cfg->size > max) {
		rc = -EINVAL;
	} else {
		/* The ring options are the negotiated ones, whatever the transport passed. */
		c = *cfg;
		c.packed = vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_RING_PACKED);
		c.event_idx = vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_EVENT_IDX);
		c.indirect = vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_INDIRECT_DESC);
		/* 2.7 legacy note: a legacy queue uses the guest's byte order, big on s390. */
		c.big_endian = vdev->legacy;
		rc = vccw_vq_setup(vdev->vqs[idx], &c);
	}
	VCCW_TRACE(virtio_queue_setup, VDEV_ID(vdev), idx, cfg ? cfg->size : 0, cfg ? cfg->desc : 0,
		   vccw_virtio_has_feature(vdev, VCCW_VIRTIO_F_RING_PACKED), rc);
	pthread_mutex_unlock(&vdev->lock);
	return rc;
}

int vccw_virtio_kick(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	uint64_t one = 1;
	ssize_t n;

	/* kick_fd[] is fixed between init and fini: no lock, so a vCPU never waits. */
	if (idx >= VCCW_VIRTIO_MAX_QUEUES || vdev->io->kick_fd[idx] < 0) {
		VCCW_TRACE(virtio_kick, VDEV_ID(vdev), idx, -EINVAL);
		return -EINVAL;
	}
	VCCW_TRACE(virtio_kick, VDEV_ID(vdev), idx, 0);
	/* ioeventfd=off: serve it here unless somebody holds the device (never wait). */
	if (__atomic_load_n(&vdev->io->notify_inline, __ATOMIC_ACQUIRE) &&
	    pthread_mutex_trylock(&vdev->lock) == 0) {
		__atomic_add_fetch(&vdev->io->io_busy, 1, __ATOMIC_ACQ_REL);
		serve_queue_locked(vdev, idx);
		__atomic_sub_fetch(&vdev->io->io_busy, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&vdev->lock);
		return 0;
	}
	__atomic_or_fetch(&vdev->io->kick_bits, VCCW_BIT(idx), __ATOMIC_SEQ_CST);
	/* A polling I/O thread sees the bit: no system call, no wake-up. */
	if (__atomic_load_n(&vdev->io->iot->polling, __ATOMIC_SEQ_CST))
		return 0;
	/* Non-blocking: a counter at its maximum already means "work pending". */
	n = write(vdev->io->kick_fd[idx], &one, sizeof(one));
	(void)n;
	return 0;
}

/* ---- Used by devices, device lock held ---- */

int vccw_virtio_pop(struct vccw_virtio_dev *vdev, unsigned int idx, struct vccw_vq_elem *elem)
{
	int rc;

	/* A quiesced device is leaving the guest: it takes no buffer any more. */
	if (idx >= VCCW_VIRTIO_MAX_QUEUES || !vdev->vqs[idx] || vdev->quiesced)
		return 0;
	rc = vccw_vq_pop(vdev->vqs[idx], elem);
	if (rc == -EIO)
		vccw_virtio_needs_reset(vdev);
	return rc;
}

void vccw_virtio_push(struct vccw_virtio_dev *vdev, unsigned int idx,
		      const struct vccw_vq_elem *elem, uint32_t len)
{
	struct vccw_vq_used u = {
		.id = elem->id, .ndescs = elem->ndescs, .len = len, .has_in = elem->in_num != 0
	};

	vccw_virtio_push_many(vdev, idx, &u, 1);
}

void vccw_virtio_push_many(struct vccw_virtio_dev *vdev, unsigned int idx,
			   const struct vccw_vq_used *used, unsigned int n)
{
	struct vccw_vq *vq;

	if (idx >= VCCW_VIRTIO_MAX_QUEUES || !vdev->vqs[idx])
		return;
	vq = vdev->vqs[idx];
	if (!vccw_vq_ready(vq))
		return;
	vccw_vq_push_many(vq, used, n);
	if (vccw_vq_should_notify(vq) && vdev->transport && vdev->transport->notify_queue) {
		VCCW_TRACE(virtio_notify, VDEV_ID(vdev), idx);
		vdev->transport->notify_queue(vdev, idx);
	}
}

void vccw_virtio_unpop(struct vccw_virtio_dev *vdev, unsigned int idx, uint16_t ndescs)
{
	if (idx < VCCW_VIRTIO_MAX_QUEUES && vdev->vqs[idx])
		vccw_vq_unpop(vdev->vqs[idx], ndescs);
}

uint16_t vccw_virtio_queue_size(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	if (idx >= VCCW_VIRTIO_MAX_QUEUES || !vdev->vqs[idx])
		return 0;
	return vccw_vq_size(vdev->vqs[idx]);
}

void vccw_virtio_needs_reset(struct vccw_virtio_dev *vdev)
{
	/* Once is enough: further errors before the reset add nothing for the driver. */
	if (vdev->status & VCCW_VIRTIO_S_NEEDS_RESET)
		return;
	/* 2.1.2: set NEEDS_RESET, then a configuration change notification. */
	vdev->status |= VCCW_VIRTIO_S_NEEDS_RESET;
	VCCW_TRACE(virtio_needs_reset, VDEV_ID(vdev), vdev->status);
	VCCW_TRACE(guest_virtio_needs_reset, VDEV_ID(vdev));
	if (vdev->transport && vdev->transport->notify_config)
		vdev->transport->notify_config(vdev);
}

void vccw_virtio_config_changed(struct vccw_virtio_dev *vdev)
{
	VCCW_TRACE(virtio_config_changed, VDEV_ID(vdev));
	if (vdev->transport && vdev->transport->notify_config)
		vdev->transport->notify_config(vdev);
}

/* ---- Byte order of configuration fields and request headers ---- */

void vccw_virtio_cfg_st16(const struct vccw_virtio_dev *vdev, uint8_t *p, uint16_t v)
{
	if (vdev->legacy)
		vccw_st_be16(p, v);
	else
		vccw_st_le16(p, v);
}

void vccw_virtio_cfg_st32(const struct vccw_virtio_dev *vdev, uint8_t *p, uint32_t v)
{
	if (vdev->legacy)
		vccw_st_be32(p, v);
	else
		vccw_st_le32(p, v);
}

void vccw_virtio_cfg_st64(const struct vccw_virtio_dev *vdev, uint8_t *p, uint64_t v)
{
	if (vdev->legacy)
		vccw_st_be64(p, v);
	else
		vccw_st_le64(p, v);
}

uint16_t vccw_virtio_cfg_ld16(const struct vccw_virtio_dev *vdev, const uint8_t *p)
{
	return vdev->legacy ? vccw_ld_be16(p) : vccw_ld_le16(p);
}

uint32_t vccw_virtio_cfg_ld32(const struct vccw_virtio_dev *vdev, const uint8_t *p)
{
	return vdev->legacy ? vccw_ld_be32(p) : vccw_ld_le32(p);
}

uint64_t vccw_virtio_cfg_ld64(const struct vccw_virtio_dev *vdev, const uint8_t *p)
{
	return vdev->legacy ? vccw_ld_be64(p) : vccw_ld_le64(p);
}
