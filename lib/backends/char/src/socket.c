// SPDX-License-Identifier: MIT
/*
 * Unix socket character backends. Client: connect once, then behave like the fd kind.
 * Server: listen at a path and serve one client at a time; while none is connected the
 * watched fd reports the listening socket (a connection shows up as input readiness and
 * is accepted by the next read or write), output is dropped, and when the client leaves
 * the server listens again. When accepting fails for lack of resources the listener is
 * paused and a back-off timer takes its place in the input set.
 */
#define _GNU_SOURCE /* accept4() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "char-int.h"

/* Retry accept4() after a resource shortage: first after 100 ms, doubling up to 2 s. */
#define ACCEPT_BACKOFF_MIN_MS 100u
#define ACCEPT_BACKOFF_MAX_MS 2000u

struct char_server {
	struct vccw_be_char be;
	struct char_input in;
	struct char_output out;
	int lfd;   /* listening socket */
	int cfd;   /* the client, or -1 */
	int tfd;   /* back-off timer while accepting is paused */
	unsigned int backoff_ms; /* 0: accepting; else the current back-off period */
	uint64_t clients; /* clients accepted so far (vccw_be_char_connected()) */
	char *path;       /* the socket file to remove at close, or NULL */
};

static struct char_server *to_server(struct vccw_be_char *be)
{
	return container_of(be, struct char_server, be);
}

static int fill_addr(struct sockaddr_un *sa, const char *path, struct vccw_err *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return vccw_err_set(err, ENAMETOOLONG,
				    "chardev socket %s: path longer than %zu bytes", path,
				    sizeof(sa->sun_path) - 1);
	strcpy(sa->sun_path, path);
	return 0;
}

static void drop_client(struct char_server *s)
{
	if (s->cfd < 0)
		return;
	char_output_set_dest(&s->out, -1, true); /* what it did not read is lost with it */
	close(s->cfd);
	s->cfd = -1;
	char_input_set_source(&s->in, s->lfd);
}

/*
 * accept4() failed for lack of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM): the
 * connection stays queued, so the level-triggered listener stays readable and an event
 * loop watching it would spin. Watch the back-off timer instead; its expiry is input
 * readiness, and the read that follows retries the accept.
 */
static void pause_accept(struct char_server *s)
{
	struct itimerspec its = { 0 };

	if (!s->backoff_ms)
		s->backoff_ms = ACCEPT_BACKOFF_MIN_MS;
	else if (s->backoff_ms < ACCEPT_BACKOFF_MAX_MS / 2)
		s->backoff_ms *= 2;
	else
		s->backoff_ms = ACCEPT_BACKOFF_MAX_MS;
	its.it_value.tv_sec = s->backoff_ms / 1000;
	its.it_value.tv_nsec = (long)(s->backoff_ms % 1000) * 1000000L;
	timerfd_settime(s->tfd, 0, &its, NULL);
	char_input_set_source(&s->in, s->tfd);
}

static void resume_accept(struct char_server *s)
{
	struct itimerspec off = { 0 };

	if (!s->backoff_ms)
		return;
	s->backoff_ms = 0;
	timerfd_settime(s->tfd, 0, &off, NULL);
	char_input_set_source(&s->in, s->lfd);
}

/* Accept a waiting client, if any (never blocks: the listener is non-blocking). */
static void try_accept(struct char_server *s)
{
	uint64_t ticks;
	int fd;

	if (s->cfd >= 0)
		return;
	/* Paused: retry only once the timer expired (the read also clears its readiness). */
	if (s->backoff_ms && read(s->tfd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks))
		return;
	fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			pause_accept(s);
		else
			resume_accept(s); /* nobody waiting any more, or a transient error */
		return;
	}
	resume_accept(s);
	s->cfd = fd;
	s->clients++;
	/* While a client is connected, further clients wait in the backlog. */
	char_input_set_source(&s->in, fd);
	char_output_set_dest(&s->out, fd, true);
}

static ssize_t server_write(struct vccw_be_char *be, const void *buf, size_t len)
{
	struct char_server *s = to_server(be);
	ssize_t n;

	try_accept(s);
	n = char_output_write(&s->out, buf, len);
	if (n == -EPIPE || n == -ECONNRESET) {
		drop_client(s);
		return (ssize_t)len;
	}
	return n;
}

static ssize_t server_flush(struct vccw_be_char *be)
{
	struct char_server *s = to_server(be);
	ssize_t n = char_output_flush(&s->out);

	if (n == -EPIPE || n == -ECONNRESET) {
		drop_client(s);
		return 0;
	}
	return n;
}

static int server_output_fd(struct vccw_be_char *be)
{
	return to_server(be)->out.epfd;
}

static ssize_t server_read(struct vccw_be_char *be, void *buf, size_t len)
{
	struct char_server *s = to_server(be);
	bool eof;
	ssize_t n;

	try_accept(s);
	if (s->cfd < 0)
		return 0;
	n = char_read_now(s->cfd, true, buf, len, &eof);
	if (eof)
		drop_client(s);
	return n;
}

static int server_input_fd(struct vccw_be_char *be)
{
	return to_server(be)->in.epfd;
}

static void server_set_input(struct vccw_be_char *be, bool enable)
{
	char_input_pause(&to_server(be)->in, enable);
}

static void server_close(struct vccw_be_char *be)
{
	struct char_server *s = to_server(be);

	/* Last chance for buffered output, still without waiting for the client. */
	char_output_flush(&s->out);
	char_output_fini(&s->out);
	char_input_fini(&s->in);
	if (s->cfd >= 0)
		close(s->cfd);
	close(s->tfd);
	close(s->lfd);
	if (s->path)
		unlink(s->path);
	free(s->path);
	free(s);
}

static const struct vccw_be_char_ops server_ops = {
	.kind = "socket-server",
	.write = server_write,
	.flush = server_flush,
	.output_fd = server_output_fd,
	.read = server_read,
	.input_fd = server_input_fd,
	.set_input = server_set_input,
	.close = server_close,
};

/*
 * The server around listening socket @lfd (taken over); @path, when not NULL, is the
 * socket file to remove at close. Closes @lfd on failure.
 */
static struct vccw_be_char *server_new(int lfd, const char *path, const char *name,
				       struct vccw_err *err)
{
	struct char_server *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s) {
		vccw_err_set(err, ENOMEM, "chardev socket %s: out of memory", name);
		goto err_close_lfd;
	}
	s->cfd = -1;
	s->lfd = lfd;
	s->in.epfd = -1;
	if (path) {
		s->path = strdup(path);
		if (!s->path) {
			vccw_err_set(err, ENOMEM, "chardev socket %s: out of memory", name);
			goto err_free;
		}
	}
	rc = char_output_init(&s->out);
	if (rc) {
		vccw_err_set(err, -rc, "chardev socket %s: output buffer: %s", name,
			     strerror(-rc));
		goto err_free_path;
	}
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->tfd < 0) {
		vccw_err_set(err, errno, "chardev socket %s: timerfd: %s", name, strerror(errno));
		goto err_fini_out;
	}
	rc = char_input_init(&s->in);
	if (!rc)
		rc = char_input_set_source(&s->in, s->lfd);
	if (rc) {
		vccw_err_set(err, -rc, "chardev socket %s: epoll: %s", name, strerror(-rc));
		goto err_fini;
	}
	s->be.ops = &server_ops;
	return &s->be;

err_fini:
	char_input_fini(&s->in);
	close(s->tfd);
err_fini_out:
	char_output_fini(&s->out);
err_free_path:
	free(s->path);
err_free:
	free(s);
err_close_lfd:
	close(lfd);
	return NULL;
}

struct vccw_be_char *vccw_be_char_server_new(int lfd, struct vccw_err *err)
{
	int fl = fcntl(lfd, F_GETFL);

	/* Accepting happens inside read and write, which never wait. */
	if (fl < 0 || fcntl(lfd, F_SETFL, fl | O_NONBLOCK) < 0) {
		vccw_err_set(err, errno, "chardev socket: listening fd %d: %s", lfd,
			     strerror(errno));
		return NULL;
	}
	/* On failure @lfd stays the caller's: hand server_new() a copy it may close. */
	lfd = fcntl(lfd, F_DUPFD_CLOEXEC, 0);
	if (lfd < 0) {
		vccw_err_set(err, errno, "chardev socket: dup: %s", strerror(errno));
		return NULL;
	}
	return server_new(lfd, NULL, "(listening fd)", err);
}

bool vccw_be_char_server_wait(struct vccw_be_char *be, int timeout_ms)
{
	struct char_server *s;
	struct pollfd pfd;

	if (be->ops != &server_ops)
		return true;
	s = to_server(be);
	pfd = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	while (s->cfd < 0) {
		int n = poll(&pfd, 1, timeout_ms);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		try_accept(s);
	}
	return true;
}

bool vccw_be_char_connected(struct vccw_be_char *be, uint64_t *gen)
{
	struct char_server *s;

	if (be->ops != &server_ops) {
		if (gen)
			*gen = 0;
		return true;
	}
	s = to_server(be);
	try_accept(s);
	if (gen)
		*gen = s->clients;
	return s->cfd >= 0;
}

int vccw_unix_listen(const char *path, int backlog, bool replace_socket, struct vccw_err *err)
{
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path)];
	struct stat st;
	int lfd, rc;

	if (fill_addr(&sa, path, err))
		return -ENAMETOOLONG;
	if (lstat(path, &st) == 0 && !(replace_socket && S_ISSOCK(st.st_mode)))
		return vccw_err_set(err, EEXIST, "socket %s: a file of that name exists", path);
	/* The temporary name beside @path; a path too long for one is bound directly. */
	rc = snprintf(tmp, sizeof(tmp), "%s.%ld~", path, (long)getpid());
	if (rc > 0 && (size_t)rc < sizeof(tmp)) {
		unlink(tmp); /* ours from a pid reused: a socket nobody listens on */
		strcpy(sa.sun_path, tmp);
	} else {
		tmp[0] = '\0';
		if (replace_socket)
			unlink(path);
	}
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return vccw_err_set(err, errno, "socket %s: socket: %s", path, strerror(errno));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = vccw_err_set(err, errno, "socket %s: bind: %s", path, strerror(errno));
		close(lfd);
		return rc;
	}
	if (listen(lfd, backlog) < 0) {
		rc = vccw_err_set(err, errno, "socket %s: listen: %s", path, strerror(errno));
		goto fail;
	}
	if (tmp[0]) {
		/* link() never replaces: a file that appeared meanwhile is kept and refused. */
		if (replace_socket && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
		if (link(tmp, path) < 0) {
			rc = vccw_err_set(err, errno, "socket %s: %s", path, strerror(errno));
			goto fail;
		}
		unlink(tmp);
	}
	return lfd;
fail:
	unlink(tmp[0] ? tmp : path);
	close(lfd);
	return rc;
}

struct vccw_be_char *char_socket_server_open(const char *path, struct vccw_err *err)
{
	struct vccw_be_char *be;
	int lfd;

	/* An existing file at @path is an error: we do not remove what we did not create. */
	lfd = vccw_unix_listen(path, 1, false, err);
	if (lfd < 0)
		return NULL;
	be = server_new(lfd, path, path, err);
	if (!be)
		unlink(path);
	return be;
}

struct vccw_be_char *char_socket_client_open(const char *path, struct vccw_err *err)
{
	struct vccw_be_char *be;
	struct sockaddr_un sa;
	int fd;

	if (fill_addr(&sa, path, err))
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		vccw_err_set(err, errno, "chardev socket %s: socket: %s", path, strerror(errno));
		return NULL;
	}
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		vccw_err_set(err, errno, "chardev socket %s: connect: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	be = vccw_be_char_fd_new(fd, fd, true, err);
	if (!be)
		close(fd);
	return be;
}
