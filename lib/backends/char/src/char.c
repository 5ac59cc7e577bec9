// SPDX-License-Identifier: MIT
/*
 * Character backend front: the spec parser behind vccw_be_char_open(), the wrappers,
 * the shared input set, the bounded non-blocking output buffer, and the fd kind (null,
 * stdio, file, caller fds).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "char-int.h"

#define SPEC_FORMS "null, stdio, file:PATH[,append], socket:PATH[,server]"

/* ---- shared helpers ---- */

int char_input_init(struct char_input *in)
{
	in->src = -1;
	in->paused = false;
	in->armed = false;
	in->epfd = epoll_create1(EPOLL_CLOEXEC);
	return in->epfd < 0 ? -errno : 0;
}

void char_input_fini(struct char_input *in)
{
	if (in->epfd >= 0)
		close(in->epfd);
	in->epfd = -1;
}

/* Make the epoll set hold src exactly when input is wanted. */
static int input_sync(struct char_input *in)
{
	bool want = in->src >= 0 && !in->paused;
	struct epoll_event ev = { .events = EPOLLIN };

	if (in->epfd < 0 || want == in->armed)
		return 0;
	ev.data.fd = in->src;
	if (epoll_ctl(in->epfd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, in->src, &ev) < 0)
		return -errno;
	in->armed = want;
	return 0;
}

int char_input_set_source(struct char_input *in, int fd)
{
	int rc;

	if (in->armed && in->src >= 0) {
		epoll_ctl(in->epfd, EPOLL_CTL_DEL, in->src, NULL);
		in->armed = false;
	}
	in->src = fd;
	rc = input_sync(in);
	if (rc)
		in->src = -1;
	return rc;
}

void char_input_pause(struct char_input *in, bool enable)
{
	in->paused = !enable;
	input_sync(in);
}

/* ---- output ---- */

int char_output_init(struct char_output *out)
{
	out->dst = -1;
	out->own_fd = -1;
	out->armed = false;
	out->off = out->len = 0;
	out->buf = malloc(VCCW_BE_CHAR_OUTBUF);
	if (!out->buf)
		return -ENOMEM;
	out->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (out->epfd < 0) {
		free(out->buf);
		out->buf = NULL;
		return -errno;
	}
	return 0;
}

void char_output_fini(struct char_output *out)
{
	if (out->epfd >= 0)
		close(out->epfd);
	if (out->own_fd >= 0)
		close(out->own_fd);
	free(out->buf);
	out->buf = NULL;
	out->epfd = out->own_fd = out->dst = -1;
	out->off = out->len = 0;
}

/*
 * Make the epoll set hold dst exactly while bytes wait for it, so the owner's
 * level-triggered loop hears about room only when there is something to move. A
 * destination epoll refuses (a regular file) never fills up: nothing to wait for.
 */
static void output_sync(struct char_output *out)
{
	bool want = out->dst >= 0 && out->len > 0;
	struct epoll_event ev = { .events = EPOLLOUT };

	if (out->epfd < 0 || want == out->armed)
		return;
	ev.data.fd = out->dst;
	if (epoll_ctl(out->epfd, want ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, out->dst, &ev) == 0)
		out->armed = want;
	else if (!want)
		out->armed = false;
}

static void output_drop(struct char_output *out)
{
	out->off = out->len = 0;
	output_sync(out);
}

void char_output_set_dest(struct char_output *out, int fd, bool sock)
{
	char path[32];
	struct stat st;
	int fl, nfd;

	output_drop(out);
	if (out->own_fd >= 0)
		close(out->own_fd);
	out->own_fd = -1;
	out->dst = fd;
	out->sock = sock;
	out->nonblock = sock;
	if (fd < 0 || sock)
		return;
	fl = fcntl(fd, F_GETFL);
	if ((fl >= 0 && (fl & O_NONBLOCK)) ||
	    (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))) {
		out->nonblock = true;
		return;
	}
	/*
	 * A blocking pipe or terminal (stdout): O_NONBLOCK belongs to the file description,
	 * which others share, so open the same file again for ourselves, non-blocking.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (nfd < 0)
		return;
	out->own_fd = out->dst = nfd;
	out->nonblock = true;
}

/* One write to dst. Returns the bytes written, 0 when it takes none now, or -errno. */
static ssize_t output_raw(struct char_output *out, const uint8_t *p, size_t len)
{
	ssize_t n;

	for (;;) {
		if (out->sock) {
			n = send(out->dst, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		} else {
			if (!out->nonblock) {
				struct pollfd pfd = { .fd = out->dst, .events = POLLOUT };

				/*
				 * A blocking fd we could not reopen: write only after poll()
				 * reported room, and at most PIPE_BUF bytes, which a pipe with
				 * room takes at once (POSIX write(): atomic up to PIPE_BUF).
				 */
				if (poll(&pfd, 1, 0) <= 0)
					return 0;
				if (len > PIPE_BUF)
					len = PIPE_BUF;
			}
			n = write(out->dst, p, len);
		}
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -errno;
	}
}

ssize_t char_output_flush(struct char_output *out)
{
	ssize_t n;

	while (out->len && out->dst >= 0) {
		n = output_raw(out, out->buf + out->off, out->len);
		if (n < 0) {
			output_drop(out);
			return n;
		}
		if (!n)
			break;
		out->off += (size_t)n;
		out->len -= (size_t)n;
	}
	if (!out->len)
		out->off = 0;
	output_sync(out);
	return (ssize_t)out->len;
}

ssize_t char_output_write(struct char_output *out, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t done = 0, take;
	ssize_t n;

	if (out->dst < 0 || !len)
		return (ssize_t)len; /* no destination: dropped */
	n = char_output_flush(out);
	if (n < 0)
		return n;
	/* Straight to the fd only when nothing older waits: bytes keep their order. */
	if (!out->len) {
		n = output_raw(out, p, len);
		if (n < 0)
			return n;
		done = (size_t)n;
	}
	take = len - done;
	if (take > VCCW_BE_CHAR_OUTBUF - out->len)
		take = VCCW_BE_CHAR_OUTBUF - out->len;
	if (take) {
		if (out->off + out->len + take > VCCW_BE_CHAR_OUTBUF) {
			memmove(out->buf, out->buf + out->off, out->len);
			out->off = 0;
		}
		memcpy(out->buf + out->off + out->len, p + done, take);
		out->len += take;
		done += take;
	}
	output_sync(out);
	return (ssize_t)done;
}

ssize_t char_read_now(int fd, bool sock, void *buf, size_t len, bool *eof)
{
	ssize_t n;

	*eof = false;
	if (!len)
		return 0;
	for (;;) {
		if (sock) {
			n = recv(fd, buf, len, MSG_DONTWAIT);
		} else {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };

			/* Do not touch O_NONBLOCK: stdin's file description is shared. */
			if (poll(&pfd, 1, 0) <= 0)
				return 0;
			n = read(fd, buf, len);
		}
		if (n > 0)
			return n;
		if (n == 0) {
			*eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ECONNRESET) {
			*eof = true;
			return 0;
		}
		return -errno;
	}
}

static bool is_socket(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* ---- fd kind ---- */

struct char_fd {
	struct vccw_be_char be;
	struct char_input in;
	struct char_output out;
	int in_fd, out_fd;
	int drain_fd; /* a pty's slave end, read to drop its oldest output; or -1 */
	bool in_sock;
	bool own;
};

static struct char_fd *to_fd(struct vccw_be_char *be)
{
	return container_of(be, struct char_fd, be);
}

/* Bytes read from a pty's slave end at most per write that found the terminal full. */
#define PTY_DRAIN_MAX (VCCW_BE_CHAR_OUTBUF * 2)

/*
 * Drop the oldest output waiting in the terminal (as a reader would take it) to make
 * room: up to PTY_DRAIN_MAX bytes, never blocking (the slave end is non-blocking).
 */
static void pty_drain(int slave)
{
	uint8_t scrap[4096];
	size_t done = 0;
	ssize_t n;

	while (done < PTY_DRAIN_MAX) {
		n = read(slave, scrap, sizeof(scrap));
		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
		if (n > 0)
			done += (size_t)n;
	}
}

static ssize_t fd_write(struct vccw_be_char *be, const void *buf, size_t len)
{
	struct char_fd *c = to_fd(be);
	ssize_t n, more;

	n = char_output_write(&c->out, buf, len);
	if (n < 0 || c->drain_fd < 0 || (size_t)n == len)
		return n;
	/*
	 * A terminal that nobody reads (or reads too slowly) is full and our buffer too:
	 * the guest must not stall on it. Its oldest bytes go, the newest stay for a
	 * reader who attaches later; what still does not fit is dropped (counted taken).
	 */
	pty_drain(c->drain_fd);
	more = char_output_write(&c->out, (const uint8_t *)buf + n, len - (size_t)n);
	if (more < 0)
		return more;
	return (ssize_t)len;
}

static ssize_t fd_flush(struct vccw_be_char *be)
{
	return char_output_flush(&to_fd(be)->out);
}

static int fd_output_fd(struct vccw_be_char *be)
{
	struct char_fd *c = to_fd(be);

	return c->out_fd >= 0 ? c->out.epfd : -1;
}

static ssize_t fd_read(struct vccw_be_char *be, void *buf, size_t len)
{
	struct char_fd *c = to_fd(be);
	bool eof;
	ssize_t n;

	if (c->in.src < 0)
		return 0;
	n = char_read_now(c->in_fd, c->in_sock, buf, len, &eof);
	if (eof)
		char_input_set_source(&c->in, -1); /* nothing more will come */
	return n;
}

static int fd_input_fd(struct vccw_be_char *be)
{
	return to_fd(be)->in.epfd;
}

static void fd_set_input(struct vccw_be_char *be, bool enable)
{
	char_input_pause(&to_fd(be)->in, enable);
}

static void fd_close(struct vccw_be_char *be)
{
	struct char_fd *c = to_fd(be);

	/* Last chance for buffered output, still without waiting for the peer. */
	char_output_flush(&c->out);
	char_output_fini(&c->out);
	char_input_fini(&c->in);
	if (c->own) {
		if (c->in_fd >= 0)
			close(c->in_fd);
		if (c->out_fd >= 0 && c->out_fd != c->in_fd)
			close(c->out_fd);
		if (c->drain_fd >= 0)
			close(c->drain_fd);
	}
	free(c);
}

static const struct vccw_be_char_ops fd_ops = {
	.kind = "fd",
	.write = fd_write,
	.flush = fd_flush,
	.output_fd = fd_output_fd,
	.read = fd_read,
	.input_fd = fd_input_fd,
	.set_input = fd_set_input,
	.close = fd_close,
};

struct vccw_be_char *vccw_be_char_fd_new(int in_fd, int out_fd, bool own, struct vccw_err *err)
{
	struct char_fd *c;
	int rc;

	c = calloc(1, sizeof(*c));
	if (!c) {
		vccw_err_set(err, ENOMEM, "chardev: out of memory");
		return NULL;
	}
	c->be.ops = &fd_ops;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->drain_fd = -1;
	c->own = own;
	c->in_sock = is_socket(in_fd);
	c->in.epfd = -1;
	c->in.src = -1;
	rc = char_output_init(&c->out);
	if (rc) {
		vccw_err_set(err, -rc, "chardev: output buffer: %s", strerror(-rc));
		free(c);
		return NULL;
	}
	char_output_set_dest(&c->out, out_fd, is_socket(out_fd));
	if (in_fd >= 0) {
		rc = char_input_init(&c->in);
		if (rc) {
			vccw_err_set(err, -rc, "chardev: epoll_create1: %s", strerror(-rc));
			char_output_fini(&c->out);
			free(c);
			return NULL;
		}
		/* An fd that cannot be polled (a regular file, /dev/null) gives no input. */
		if (char_input_set_source(&c->in, in_fd) < 0)
			char_input_fini(&c->in);
	}
	return &c->be;
}

struct vccw_be_char *vccw_be_char_pty_new(int master, int slave, struct vccw_err *err)
{
	struct vccw_be_char *be;
	int fl = fcntl(slave, F_GETFL);

	/* The slave end is ours alone (its own file description): non-blocking reads. */
	if (fl < 0 || fcntl(slave, F_SETFL, fl | O_NONBLOCK) < 0) {
		vccw_err_set(err, errno, "chardev: pty: %s", strerror(errno));
		return NULL;
	}
	be = vccw_be_char_fd_new(master, master, true, err);
	if (be)
		to_fd(be)->drain_fd = slave;
	return be;
}

/* ---- spec parser ---- */

static struct vccw_be_char *file_open(const char *spec, const char *path, size_t path_len,
				      const char *opts, struct vccw_err *err)
{
	struct vccw_be_char *be;
	bool append = false;
	char *p;
	int fd;

	if (opts) {
		if (strcmp(opts, "append")) {
			vccw_err_set(err, EINVAL, "chardev '%s': unknown option '%s' (expected %s)",
				     spec, opts, SPEC_FORMS);
			return NULL;
		}
		append = true;
	}
	p = strndup(path, path_len);
	if (!p) {
		vccw_err_set(err, ENOMEM, "chardev '%s': out of memory", spec);
		return NULL;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
	if (fd < 0) {
		vccw_err_set(err, errno, "chardev '%s': %s: %s", spec, p, strerror(errno));
		free(p);
		return NULL;
	}
	free(p);
	be = vccw_be_char_fd_new(-1, fd, true, err);
	if (!be)
		close(fd);
	return be;
}

static struct vccw_be_char *socket_open(const char *spec, const char *path, size_t path_len,
					const char *opts, struct vccw_err *err)
{
	struct vccw_be_char *be;
	bool server = false;
	char *p;

	if (opts) {
		if (strcmp(opts, "server")) {
			vccw_err_set(err, EINVAL, "chardev '%s': unknown option '%s' (expected %s)",
				     spec, opts, SPEC_FORMS);
			return NULL;
		}
		server = true;
	}
	p = strndup(path, path_len);
	if (!p) {
		vccw_err_set(err, ENOMEM, "chardev '%s': out of memory", spec);
		return NULL;
	}
	be = server ? char_socket_server_open(p, err) : char_socket_client_open(p, err);
	free(p);
	return be;
}

struct vccw_be_char *vccw_be_char_open(const char *spec, struct vccw_err *err)
{
	const char *arg, *opts;
	size_t kind_len, path_len;

	if (!spec || !*spec) {
		vccw_err_set(err, EINVAL, "chardev: empty spec (expected %s)", SPEC_FORMS);
		return NULL;
	}
	arg = strchr(spec, ':');
	kind_len = arg ? (size_t)(arg - spec) : strlen(spec);

	if (!arg && !strcmp(spec, "null"))
		return vccw_be_char_fd_new(-1, -1, false, err);
	if (!arg && !strcmp(spec, "stdio"))
		return vccw_be_char_fd_new(STDIN_FILENO, STDOUT_FILENO, false, err);

	if ((kind_len == 4 && !strncmp(spec, "null", 4)) ||
	    (kind_len == 5 && !strncmp(spec, "stdio", 5))) {
		vccw_err_set(err, EINVAL, "chardev '%s': '%.*s' takes no argument (expected %s)",
			     spec, (int)kind_len, spec, SPEC_FORMS);
		return NULL;
	}
	if ((kind_len == 4 && !strncmp(spec, "file", 4)) ||
	    (kind_len == 6 && !strncmp(spec, "socket", 6))) {
		arg = arg ? arg + 1 : spec + kind_len;
		opts = strchr(arg, ',');
		path_len = opts ? (size_t)(opts - arg) : strlen(arg);
		if (opts)
			opts++;
		if (!path_len) {
			vccw_err_set(err, EINVAL, "chardev '%s': missing path (expected %s)", spec,
				     SPEC_FORMS);
			return NULL;
		}
		if (kind_len == 4)
			return file_open(spec, arg, path_len, opts, err);
		return socket_open(spec, arg, path_len, opts, err);
	}
	vccw_err_set(err, EINVAL, "chardev '%s': unknown kind '%.*s' (expected %s)", spec,
		     (int)kind_len, spec, SPEC_FORMS);
	return NULL;
}

/* ---- wrappers ---- */

ssize_t vccw_be_char_write(struct vccw_be_char *be, const void *buf, size_t len)
{
	return len ? be->ops->write(be, buf, len) : 0;
}

ssize_t vccw_be_char_flush(struct vccw_be_char *be)
{
	return be->ops->flush ? be->ops->flush(be) : 0;
}

int vccw_be_char_output_fd(struct vccw_be_char *be)
{
	return be->ops->output_fd ? be->ops->output_fd(be) : -1;
}

ssize_t vccw_be_char_read(struct vccw_be_char *be, void *buf, size_t len)
{
	return be->ops->read ? be->ops->read(be, buf, len) : 0;
}

int vccw_be_char_input_fd(struct vccw_be_char *be)
{
	return be->ops->input_fd ? be->ops->input_fd(be) : -1;
}

void vccw_be_char_set_input(struct vccw_be_char *be, bool enable)
{
	if (be->ops->set_input)
		be->ops->set_input(be, enable);
}

void vccw_be_char_close(struct vccw_be_char *be)
{
	if (be)
		be->ops->close(be);
}
