// SPDX-License-Identifier: MIT
/*
 * The machine console: what the guest program prints (the native guest's console
 * intercept, and the s390x back-end's SCLP ASCII console, QEMU's sclpconsole) goes to
 * the -serial chardev when there is one, else to stdout. A reader that stops reading
 * must not keep the vCPU (and with it shutdown) stuck: the wait for room is in short
 * steps with a stop check between them.
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "vm-int.h"

static void write_stdout(const char *s, size_t len, bool (*stop)(void *ctx), void *ctx)
{
	fflush(stdout);
	while (len) {
		struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
		size_t chunk = len < PIPE_BUF ? len : PIPE_BUF;
		ssize_t n;

		if (poll(&pfd, 1, 100) == 0) {
			if (stop(ctx))
				return;
			continue;
		}
		n = write(STDOUT_FILENO, s, chunk);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return; /* stdout is gone: the console output is dropped */
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Under @c->lock: lines of two vCPUs do not interleave mid-write, and a monitor sharing
 * the chardev (mux=on) uses the backend from its own thread.
 */
static void write_chardev(struct vm_chardev *c, const char *s, size_t len,
			  bool (*stop)(void *ctx), void *ctx)
{
	struct vccw_be_char *be = c->be;

	while (len) {
		ssize_t n = vccw_be_char_write(be, s, len);
		struct pollfd pfd;

		if (n < 0)
			return; /* the peer went away: output nobody receives is dropped */
		s += n;
		len -= (size_t)n;
		if (!len)
			break;
		/* The backend's buffer is full: wait for its output fd, then move it on. */
		pfd = (struct pollfd){ .fd = vccw_be_char_output_fd(be), .events = POLLIN };
		pthread_mutex_unlock(&c->lock);
		if ((pfd.fd < 0 || poll(&pfd, 1, 100) == 0) && stop(ctx)) {
			pthread_mutex_lock(&c->lock);
			return;
		}
		pthread_mutex_lock(&c->lock);
		vccw_be_char_flush(be);
	}
}

void vm_serial_write(struct vm *vm, const char *s, size_t len, bool (*stop)(void *ctx),
		     void *ctx)
{
	struct vm_chardev *c = vm->cfg->serial;

	if (stop(ctx))
		return;
	if (!c || !c->be) {
		write_stdout(s, len, stop, ctx);
		return;
	}
	pthread_mutex_lock(&c->lock);
	write_chardev(c, s, len, stop, ctx);
	pthread_mutex_unlock(&c->lock);
}
