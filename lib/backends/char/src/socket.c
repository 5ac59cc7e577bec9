// SPDX-License-Identifier: MIT
/*
 * Unix socket character backends. Client: connect once, then behave like the fd kind.
 * Server: listen at a path and serve one client at a time; while none is connected the
 * watched fd reports the listening socket (a connection shows up as input readiness and
 * is accepted by the next read or write), output is dropped, and when the client leaves
 * the server listens again.
 */
#define _GNU_SOURCE /* fallocate(), accept4() */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "char-int.h"

struct char_server {
	struct vccw_be_char be;
	struct char_input in;
	int lfd;   /* listening socket */
	int cfd;   /* the client, or -1 */
	char *path;
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
	close(s->cfd);
	s->cfd = -1;
	char_input_set_source(&s->in, s->lfd);
}

/* Accept a waiting client, if any (never blocks: the listener is non-blocking). */
static void try_accept(struct char_server *s)
{
	int fd;

	if (s->cfd >= 0)
		return;
	fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	s->cfd = fd;
	/* While a client is connected, further clients wait in the backlog. */
	char_input_set_source(&s->in, fd);
}

static int server_write(struct vccw_be_char *be, const void *buf, size_t len)
{
	struct char_server *s = to_server(be);
	int rc;

	try_accept(s);
	if (s->cfd < 0)
		return 0;
	rc = char_write_all(s->cfd, true, buf, len);
	if (rc == -EPIPE || rc == -ECONNRESET) {
		drop_client(s);
		return 0;
	}
	return rc;
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

	char_input_fini(&s->in);
	if (s->cfd >= 0)
		close(s->cfd);
	close(s->lfd);
	unlink(s->path);
	free(s->path);
	free(s);
}

static const struct vccw_be_char_ops server_ops = {
	.kind = "socket-server",
	.write = server_write,
	.read = server_read,
	.input_fd = server_input_fd,
	.set_input = server_set_input,
	.close = server_close,
};

struct vccw_be_char *char_socket_server_open(const char *path, struct vccw_err *err)
{
	struct sockaddr_un sa;
	struct char_server *s;
	int rc;

	if (fill_addr(&sa, path, err))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		vccw_err_set(err, ENOMEM, "chardev socket %s: out of memory", path);
		return NULL;
	}
	s->cfd = -1;
	s->path = strdup(path);
	if (!s->path) {
		vccw_err_set(err, ENOMEM, "chardev socket %s: out of memory", path);
		goto err_free;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		vccw_err_set(err, errno, "chardev socket %s: socket: %s", path, strerror(errno));
		goto err_free_path;
	}
	/* An existing file at @path is an error: we do not remove what we did not create. */
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vccw_err_set(err, errno, "chardev socket %s: bind: %s", path, strerror(errno));
		goto err_close;
	}
	if (listen(s->lfd, 1) < 0) {
		vccw_err_set(err, errno, "chardev socket %s: listen: %s", path, strerror(errno));
		goto err_unlink;
	}
	rc = char_input_init(&s->in);
	if (!rc)
		rc = char_input_set_source(&s->in, s->lfd);
	if (rc) {
		vccw_err_set(err, -rc, "chardev socket %s: epoll: %s", path, strerror(-rc));
		goto err_fini;
	}
	s->be.ops = &server_ops;
	return &s->be;

err_fini:
	char_input_fini(&s->in);
err_unlink:
	unlink(path);
err_close:
	close(s->lfd);
err_free_path:
	free(s->path);
err_free:
	free(s);
	return NULL;
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
