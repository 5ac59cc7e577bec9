// SPDX-License-Identifier: MIT
/*
 * Backends on their own: the raw file block backend (vectored I/O, bounds, read-only,
 * flush, discard, write zeroes) and the character backend specs (every kind, and a
 * clear error for every malformed spec), unix socket server and client, input pausing,
 * output that never waits for a peer that does not read, and a socket server that runs
 * out of file descriptors.
 */
#define _GNU_SOURCE /* fallocate() */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "vccw/be-blk.h"
#include "vccw/be-char.h"

/* ---- block: raw file ---- */

static int temp_disk(char *path, size_t size)
{
	int fd;

	strcpy(path, "/tmp/vccw-be-XXXXXX");
	fd = mkstemp(path);
	if (fd >= 0 && ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

TEST(test_be_blk_file_open_missing_path_names_it)
{
	struct vccw_err err = { 0 };

	CHECK(!vccw_be_blk_file_open("/nonexistent/vccw-disk.img", false, &err));
	CHECK_EQ(err.code, -ENOENT);
	CHECK(strstr(err.msg, "/nonexistent/vccw-disk.img"));
	CHECK(!vccw_be_blk_file_open("/tmp", false, &err)); /* a directory */
	CHECK(strstr(err.msg, "/tmp"));
}

/* A FIFO or a character device is refused at once (a read-only FIFO waited in open()). */
TEST(test_be_blk_file_refuses_fifo_and_char_device)
{
	struct vccw_err err = { 0 };
	char path[32], fifo[48];
	int fd;

	fd = temp_disk(path, 0);
	REQUIRE(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(fifo, sizeof(fifo), "%s.fifo", path);
	REQUIRE(mkfifo(fifo, 0600) == 0);
	CHECK(!vccw_be_blk_file_open(fifo, true, &err));
	CHECK_EQ(err.code, -EINVAL);
	CHECK(strstr(err.msg, "not a regular file or block device"));
	CHECK(!vccw_be_blk_file_open(fifo, false, &err));
	CHECK(strstr(err.msg, fifo));
	unlink(fifo);
	CHECK(!vccw_be_blk_file_open("/dev/null", true, &err));
	CHECK(strstr(err.msg, "not a regular file or block device"));
}

/* Whole sectors only; an empty image is a disk without sectors (QEMU accepts it too). */
TEST(test_be_blk_file_size_rules)
{
	struct vccw_err err = { 0 };
	struct vccw_be_blk *be;
	char path[32];
	int fd;

	fd = temp_disk(path, 1000);
	REQUIRE(fd >= 0);
	CHECK(!vccw_be_blk_file_open(path, true, &err));
	CHECK_EQ(err.code, -EINVAL);
	CHECK(strstr(err.msg, "size 1000 is not a multiple of 512 bytes"));
	CHECK(ftruncate(fd, 0) == 0);
	be = vccw_be_blk_file_open(path, false, &err);
	REQUIRE(be);
	CHECK_EQ(be->size, 0);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);
}

/* One writer per image; readers share it; a closed backend releases its lock. */
TEST(test_be_blk_file_lock)
{
	struct vccw_err err = { 0 };
	struct vccw_be_blk *w, *r1, *r2;
	char path[32];
	int fd;

	fd = temp_disk(path, 4096);
	REQUIRE(fd >= 0);
	w = vccw_be_blk_file_open(path, false, NULL);
	REQUIRE(w);
	CHECK(!vccw_be_blk_file_open(path, false, &err));
	CHECK_EQ(err.code, -EBUSY);
	CHECK(strstr(err.msg, "the image is in use"));
	CHECK(!vccw_be_blk_file_open(path, true, &err));
	CHECK_EQ(err.code, -EBUSY);
	vccw_be_blk_close(w);
	r1 = vccw_be_blk_file_open(path, true, NULL);
	r2 = vccw_be_blk_file_open(path, true, NULL);
	CHECK(r1 && r2);
	CHECK(!vccw_be_blk_file_open(path, false, &err));
	CHECK_EQ(err.code, -EBUSY);
	vccw_be_blk_close(r1);
	vccw_be_blk_close(r2);
	w = vccw_be_blk_file_open(path, false, NULL);
	CHECK(w);
	vccw_be_blk_close(w);
	close(fd);
	unlink(path);
}

TEST(test_be_blk_file_vectored_io_round_trip)
{
	char path[32], a[100], b[300], c[112], out[512], host[512];
	struct iovec wv[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct iovec rv[2] = { { out, 17 }, { out + 17, sizeof(out) - 17 } };
	struct vccw_be_blk *be;
	int fd;

	fd = temp_disk(path, 65536);
	REQUIRE(fd >= 0);
	be = vccw_be_blk_file_open(path, false, NULL);
	REQUIRE(be);
	CHECK_EQ(be->size, 65536);
	CHECK_EQ(be->block_size, 512);
	CHECK(!be->readonly);
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(c, 'c', sizeof(c));
	CHECK_EQ(vccw_be_blk_pwritev(be, wv, 3, 4096), 0);
	CHECK_EQ(pread(fd, host, sizeof(host), 4096), sizeof(host));
	CHECK(host[0] == 'a' && host[99] == 'a' && host[100] == 'b' && host[399] == 'b' &&
	      host[400] == 'c' && host[511] == 'c');
	CHECK_EQ(vccw_be_blk_preadv(be, rv, 2, 4096), 0);
	CHECK(!memcmp(out, host, sizeof(out)));
	CHECK_EQ(vccw_be_blk_flush(be), 0);
	vccw_be_blk_close(be);
	vccw_be_blk_close(NULL);
	close(fd);
	unlink(path);
}

TEST(test_be_blk_file_rejects_out_of_range_and_readonly_writes)
{
	char path[32], buf[512] = { 1 };
	struct iovec iov = { buf, sizeof(buf) };
	struct vccw_be_blk *be;
	int fd;

	fd = temp_disk(path, 4096);
	REQUIRE(fd >= 0);
	be = vccw_be_blk_file_open(path, false, NULL);
	REQUIRE(be);
	CHECK_EQ(vccw_be_blk_preadv(be, &iov, 1, 4096 - 511), -EINVAL);
	CHECK_EQ(vccw_be_blk_pwritev(be, &iov, 1, UINT64_MAX - 10), -EINVAL);
	CHECK_EQ(vccw_be_blk_discard(be, 4096, 1), -EINVAL);
	CHECK_EQ(vccw_be_blk_write_zeroes(be, 0, 4097, false), -EINVAL);
	CHECK_EQ(vccw_be_blk_preadv(be, &iov, 1, 4096 - 512), 0);
	vccw_be_blk_close(be);

	be = vccw_be_blk_file_open(path, true, NULL);
	REQUIRE(be);
	CHECK(be->readonly);
	CHECK_EQ(vccw_be_blk_pwritev(be, &iov, 1, 0), -EROFS);
	CHECK_EQ(vccw_be_blk_discard(be, 0, 512), -EROFS);
	CHECK_EQ(vccw_be_blk_write_zeroes(be, 0, 512, true), -EROFS);
	CHECK_EQ(vccw_be_blk_flush(be), 0);
	CHECK_EQ(vccw_be_blk_preadv(be, &iov, 1, 0), 0);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);
}

/* A backend kind whose reads and flushes fail, to see failures counted apart. */
static int fail_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off)
{
	(void)be;
	(void)iov;
	(void)iovcnt;
	(void)off;
	return -EIO;
}

static int fail_flush(struct vccw_be_blk *be)
{
	(void)be;
	return -EIO;
}

static const struct vccw_be_blk_ops fail_ops = {
	.kind = "fail",
	.preadv = fail_preadv,
	.flush = fail_flush,
};

TEST(test_be_blk_stats_count_requests_bytes_and_failures)
{
	char path[32], buf[1024] = { 1 };
	struct iovec iov[2] = { { buf, 512 }, { buf + 512, 512 } };
	struct vccw_be_blk fake = { .ops = &fail_ops, .size = 4096, .block_size = 512 };
	struct vccw_be_blk_stats st;
	struct vccw_be_blk *be;
	int fd;

	fd = temp_disk(path, 8192);
	REQUIRE(fd >= 0);
	be = vccw_be_blk_file_open(path, false, NULL);
	REQUIRE(be);
	vccw_be_blk_get_stats(be, &st);
	CHECK_EQ(st.rd_operations + st.wr_operations + st.flush_operations, 0);
	CHECK_EQ(vccw_be_blk_pwritev(be, iov, 2, 4096), 0);
	CHECK_EQ(vccw_be_blk_pwritev(be, iov, 1, 512), 0);
	CHECK_EQ(vccw_be_blk_preadv(be, iov, 2, 0), 0);
	CHECK_EQ(vccw_be_blk_flush(be), 0);
	/* Refused before the backend (out of range): not counted, as QEMU's "invalid". */
	CHECK_EQ(vccw_be_blk_preadv(be, iov, 1, 8192), -EINVAL);
	vccw_be_blk_get_stats(be, &st);
	CHECK_EQ(st.wr_operations, 2);
	CHECK_EQ(st.wr_bytes, 1024 + 512);
	CHECK_EQ(st.rd_operations, 1);
	CHECK_EQ(st.rd_bytes, 1024);
	CHECK_EQ(st.flush_operations, 1);
	/* The highest write ended at 4096 + 1024, not at the later, lower one. */
	CHECK_EQ(st.wr_highest_offset, 4096 + 1024);
	CHECK_EQ(st.failed_rd_operations + st.failed_wr_operations, 0);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);

	CHECK_EQ(vccw_be_blk_preadv(&fake, iov, 2, 0), -EIO);
	CHECK_EQ(vccw_be_blk_flush(&fake), -EIO);
	vccw_be_blk_get_stats(&fake, &st);
	CHECK_EQ(st.rd_operations, 1);
	CHECK_EQ(st.failed_rd_operations, 1);
	CHECK_EQ(st.rd_bytes, 0);
	CHECK_EQ(st.flush_operations, 1);
	CHECK_EQ(st.failed_flush_operations, 1);
}

TEST(test_be_blk_file_write_zeroes_and_discard)
{
	char path[32], buf[8192], zero[4096] = { 0 }, back[4096];
	struct vccw_be_blk *be;
	struct stat st;
	int fd;

	fd = temp_disk(path, 65536);
	REQUIRE(fd >= 0);
	memset(buf, 0x77, sizeof(buf));
	CHECK_EQ(pwrite(fd, buf, sizeof(buf), 0), sizeof(buf));
	be = vccw_be_blk_file_open(path, false, NULL);
	REQUIRE(be);
	CHECK_EQ(vccw_be_blk_write_zeroes(be, 0, 4096, false), 0);
	CHECK_EQ(pread(fd, back, sizeof(back), 0), sizeof(back));
	CHECK(!memcmp(back, zero, sizeof(zero)));
	CHECK_EQ(vccw_be_blk_write_zeroes(be, 4096, 1024, true), 0);
	CHECK_EQ(pread(fd, back, 2048, 4096), 2048);
	CHECK(!memcmp(back, zero, 1024));
	CHECK_EQ((uint8_t)back[1024], 0x77);
	/* Discard is advisory: either done or "cannot". */
	{
		int rc = vccw_be_blk_discard(be, 6144, 2048);

		CHECK(rc == 0 || rc == -EOPNOTSUPP);
	}
	CHECK(fstat(fd, &st) == 0 && st.st_size == 65536);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);
}

/* Is [@off, @off + @len) of @fd a hole (SEEK_HOLE finds it at @off, and no data in it)? */
static bool is_hole(int fd, off_t off, off_t len)
{
	off_t data = lseek(fd, off, SEEK_DATA);

	return lseek(fd, off, SEEK_HOLE) == off && (data < 0 || data >= off + len);
}

/* Can the temp file system punch holes that SEEK_HOLE sees? */
static bool can_punch(int fd)
{
	char buf[4096];

	memset(buf, 1, sizeof(buf));
	return pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf) && fsync(fd) == 0 &&
	       fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) == 0 &&
	       is_hole(fd, 0, 4096);
}

/*
 * detect-zeroes (QEMU's -drive option): off writes the zeroes (the range stays
 * allocated); unmap punches a hole unless zeroes_keep (a node without discard=unmap in
 * QEMU). discard_ignore stops the guest's discards only: they reach nothing and are not
 * counted. Each zero write still counts as a write of its length.
 */
TEST(test_be_blk_detect_zeroes_and_discard_ignore)
{
	static const struct {
		enum vccw_be_blk_detect_zeroes dz;
		bool discard_ignore, zeroes_keep;
		bool hole;
	} cases[] = {
		{ VCCW_BE_BLK_DETECT_ZEROES_OFF, false, false, false },
		{ VCCW_BE_BLK_DETECT_ZEROES_ON, false, false, false },
		{ VCCW_BE_BLK_DETECT_ZEROES_UNMAP, false, false, true },
		{ VCCW_BE_BLK_DETECT_ZEROES_UNMAP, true, false, true },
		{ VCCW_BE_BLK_DETECT_ZEROES_UNMAP, false, true, false },
	};
	char path[32], ones[4096], zero[4096] = { 0 }, back[4096];
	struct iovec iov = { zero, sizeof(zero) };
	struct vccw_be_blk_stats st;
	struct vccw_be_blk *be;
	unsigned int i;
	int fd;

	fd = temp_disk(path, 65536);
	REQUIRE(fd >= 0);
	if (!can_punch(fd)) {
		test_skip("the temp file system cannot punch holes that SEEK_HOLE reports");
		goto out;
	}
	memset(ones, 0xff, sizeof(ones));
	for (i = 0; i < VCCW_ARRAY_SIZE(cases); i++) {
		REQUIRE(pwrite(fd, ones, sizeof(ones), 8192) == (ssize_t)sizeof(ones));
		REQUIRE(fsync(fd) == 0);
		be = vccw_be_blk_file_open(path, false, NULL);
		REQUIRE(be);
		be->detect_zeroes = cases[i].dz;
		be->discard_ignore = cases[i].discard_ignore;
		be->zeroes_keep = cases[i].zeroes_keep;
		CHECK_EQ(vccw_be_blk_pwritev(be, &iov, 1, 8192), 0);
		CHECK_EQ(vccw_be_blk_flush(be), 0);
		CHECK_EQ(pread(fd, back, sizeof(back), 8192), sizeof(back));
		CHECK_MSG(!memcmp(back, zero, sizeof(zero)), "case %u: not zeroes", i);
		CHECK_MSG(is_hole(fd, 8192, 4096) == cases[i].hole, "case %u: hole %d, expected %d",
			  i, is_hole(fd, 8192, 4096), cases[i].hole);
		vccw_be_blk_get_stats(be, &st);
		CHECK_EQ(st.wr_operations, 1);
		CHECK_EQ(st.wr_bytes, 4096);
		/* discard=ignore: done, nothing reached the host, nothing counted. */
		REQUIRE(pwrite(fd, ones, sizeof(ones), 16384) == (ssize_t)sizeof(ones));
		CHECK_EQ(vccw_be_blk_discard(be, 16384, 4096), 0);
		CHECK_EQ(is_hole(fd, 16384, 4096), !cases[i].discard_ignore);
		vccw_be_blk_get_stats(be, &st);
		CHECK_EQ(st.unmap_operations, cases[i].discard_ignore ? 0 : 1);
		vccw_be_blk_close(be);
	}
out:
	close(fd);
	unlink(path);
}

/* Total times (QEMU's rd/wr/flush_total_time_ns) grow with each counted request. */
TEST(test_be_blk_stats_total_times)
{
	char path[32], buf[4096] = { 1 };
	struct iovec iov = { buf, sizeof(buf) };
	struct vccw_be_blk_stats st;
	struct vccw_be_blk *be;
	int fd;

	fd = temp_disk(path, 65536);
	REQUIRE(fd >= 0);
	be = vccw_be_blk_file_open(path, false, NULL);
	REQUIRE(be);
	vccw_be_blk_get_stats(be, &st);
	CHECK_EQ(st.rd_total_time_ns + st.wr_total_time_ns + st.flush_total_time_ns, 0);
	CHECK_EQ(vccw_be_blk_pwritev(be, &iov, 1, 0), 0);
	CHECK_EQ(vccw_be_blk_preadv(be, &iov, 1, 0), 0);
	CHECK_EQ(vccw_be_blk_flush(be), 0);
	vccw_be_blk_get_stats(be, &st);
	CHECK(st.wr_total_time_ns > 0);
	CHECK(st.rd_total_time_ns > 0);
	CHECK(st.flush_total_time_ns > 0);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);
}

/* ---- character: specs ---- */

/* QEMU's names of the cache modes and aio kinds; anything else is refused. */
TEST(test_be_blk_parse_cache_and_aio)
{
	static const struct {
		const char *name;
		enum vccw_be_blk_cache mode;
	} caches[] = {
		{ "writeback", VCCW_BE_BLK_CACHE_WRITEBACK },
		{ "none", VCCW_BE_BLK_CACHE_NONE },
		{ "writethrough", VCCW_BE_BLK_CACHE_WRITETHROUGH },
		{ "directsync", VCCW_BE_BLK_CACHE_DIRECTSYNC },
		{ "unsafe", VCCW_BE_BLK_CACHE_UNSAFE },
	};
	enum vccw_be_blk_cache c;
	enum vccw_be_blk_aio a;
	unsigned int i;

	for (i = 0; i < VCCW_ARRAY_SIZE(caches); i++) {
		CHECK_EQ(vccw_be_blk_parse_cache(caches[i].name, &c), 0);
		CHECK_EQ(c, caches[i].mode);
	}
	CHECK_EQ(vccw_be_blk_parse_cache("None", &c), -EINVAL);
	CHECK_EQ(vccw_be_blk_parse_cache("", &c), -EINVAL);
	CHECK_EQ(vccw_be_blk_parse_aio("threads", &a), 0);
	CHECK_EQ(a, VCCW_BE_BLK_AIO_THREADS);
	CHECK_EQ(vccw_be_blk_parse_aio("io_uring", &a), 0);
	CHECK_EQ(a, VCCW_BE_BLK_AIO_IO_URING);
	CHECK_EQ(vccw_be_blk_parse_aio("native", &a), 0);
	CHECK_EQ(a, VCCW_BE_BLK_AIO_NATIVE);
	CHECK_EQ(vccw_be_blk_parse_aio("uring", &a), -EINVAL);
}

/* The open flags of the backend's descriptor for @path (not @skip_fd), or -1. */
static long backend_flags(const char *path, int skip_fd)
{
	char link[64], target[256], info[64], line[128];
	long flags = -1;
	int fd;

	for (fd = 3; fd < 1024 && flags < 0; fd++) {
		ssize_t n;
		FILE *f;

		if (fd == skip_fd)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = 0;
		if (strcmp(target, path))
			continue;
		snprintf(info, sizeof(info), "/proc/self/fdinfo/%d", fd);
		f = fopen(info, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "flags: %lo", &flags) == 1)
				break;
		fclose(f);
	}
	return flags;
}

/*
 * cache= as QEMU: none and directsync bypass the host page cache (O_DIRECT),
 * writethrough and directsync make each write stable on completion (O_DSYNC),
 * writeback and unsafe use neither.
 */
TEST(test_be_blk_cache_modes_open_flags)
{
	static const struct {
		enum vccw_be_blk_cache mode;
		bool direct, dsync;
	} modes[] = {
		{ VCCW_BE_BLK_CACHE_WRITEBACK, false, false },
		{ VCCW_BE_BLK_CACHE_NONE, true, false },
		{ VCCW_BE_BLK_CACHE_WRITETHROUGH, false, true },
		{ VCCW_BE_BLK_CACHE_DIRECTSYNC, true, true },
		{ VCCW_BE_BLK_CACHE_UNSAFE, false, false },
	};
	char path[32], real[256];
	struct vccw_err err = { 0 };
	unsigned int i;
	int fd;

	fd = temp_disk(path, 1 << 16);
	REQUIRE(fd >= 0);
	REQUIRE(realpath(path, real));
	for (i = 0; i < VCCW_ARRAY_SIZE(modes); i++) {
		struct vccw_be_blk_file_opts opts = { .cache = modes[i].mode };
		struct vccw_be_blk *be = vccw_be_blk_file_open_opts(path, &opts, &err);
		long flags;

		if (!be && modes[i].direct && err.code == -EINVAL) {
			test_skip("the file system of the temporary directory has no O_DIRECT");
			break;
		}
		REQUIRE(be);
		CHECK_EQ(be->cache, modes[i].mode);
		flags = backend_flags(real, fd);
		CHECK_MSG(flags >= 0, "mode %u: backend descriptor not found", i);
		CHECK_MSG(!!(flags & O_DIRECT) == modes[i].direct, "mode %u: flags 0%lo", i, flags);
		CHECK_MSG(!!(flags & O_DSYNC) == modes[i].dsync, "mode %u: flags 0%lo", i, flags);
		CHECK_EQ(vccw_be_blk_flush(be), 0);
		vccw_be_blk_close(be);
	}
	close(fd);
	unlink(path);
}

/*
 * cache=none: a transfer whose buffers do not meet the direct-I/O alignment goes
 * through an aligned bounce buffer and arrives intact, either way.
 */
TEST(test_be_blk_cache_none_unaligned_buffers_bounce)
{
	struct vccw_be_blk_file_opts opts = { .cache = VCCW_BE_BLK_CACHE_NONE };
	struct vccw_err err = { 0 };
	struct vccw_be_blk *be;
	char path[32];
	uint8_t *raw, *back, host[1024];
	struct iovec wv[2], rv;
	unsigned int i;
	int fd;

	fd = temp_disk(path, 1 << 16);
	REQUIRE(fd >= 0);
	be = vccw_be_blk_file_open_opts(path, &opts, &err);
	if (!be && err.code == -EINVAL) {
		test_skip("the file system of the temporary directory has no O_DIRECT");
		close(fd);
		unlink(path);
		return;
	}
	REQUIRE(be);
	raw = malloc(2048 + 1);
	back = malloc(1024 + 3);
	REQUIRE(raw && back);
	for (i = 0; i < 1024; i++)
		raw[1 + i] = (uint8_t)(i * 13 + 7);
	/* Odd addresses, and a split that is not a multiple of 512 either. */
	wv[0].iov_base = raw + 1;
	wv[0].iov_len = 300;
	wv[1].iov_base = raw + 301;
	wv[1].iov_len = 724;
	CHECK_EQ(vccw_be_blk_pwritev(be, wv, 2, 4096), 0);
	CHECK_EQ(pread(fd, host, sizeof(host), 4096), (ssize_t)sizeof(host));
	CHECK(memcmp(host, raw + 1, sizeof(host)) == 0);
	rv.iov_base = back + 3;
	rv.iov_len = 1024;
	CHECK_EQ(vccw_be_blk_preadv(be, &rv, 1, 4096), 0);
	CHECK(memcmp(back + 3, raw + 1, 1024) == 0);
	free(raw);
	free(back);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);
}

/* ---- block: requests in flight through io_uring ---- */

struct qreq {
	struct vccw_be_blk_req r;
	struct iovec iov;
	int rc;
	unsigned int calls;
};

static void qreq_done(struct vccw_be_blk_req *r, int rc)
{
	struct qreq *q = container_of(r, struct qreq, r);

	q->rc = rc;
	q->calls++;
}

/*
 * aio=io_uring: 32 reads are in flight together before any completes; each ends once,
 * with its own data; flush (IORING_OP_FSYNC, DATASYNC), write zeroes and discard
 * (fallocate) go the same way.
 */
TEST(test_be_blk_io_uring_queue_many_in_flight)
{
	enum { N = 32, LEN = 4096 };
	struct vccw_be_blk_file_opts opts = { .aio = VCCW_BE_BLK_AIO_IO_URING };
	static uint8_t host[N * LEN], bufs[N][LEN];
	static struct qreq q[N + 3];
	struct vccw_err err = { 0 };
	struct vccw_be_blk_queue *bq;
	struct vccw_be_blk *be;
	uint8_t zero[LEN] = { 0 };
	unsigned int i;
	char path[32];
	int fd;

	if (!vccw_be_blk_have_io_uring()) {
		test_skip("this build has no liburing (install liburing-dev)");
		return;
	}
	fd = temp_disk(path, N * LEN);
	REQUIRE(fd >= 0);
	for (i = 0; i < sizeof(host); i++)
		host[i] = (uint8_t)(i * 31 + (i >> 12));
	REQUIRE(pwrite(fd, host, sizeof(host), 0) == (ssize_t)sizeof(host));
	be = vccw_be_blk_file_open_opts(path, &opts, &err);
	REQUIRE(be);
	bq = vccw_be_blk_queue_new(be, N, &err);
	REQUIRE(bq);
	CHECK(bq->fd >= 0);
	for (i = 0; i < N; i++) {
		q[i].iov.iov_base = bufs[i];
		q[i].iov.iov_len = LEN;
		q[i].r.op = VCCW_BE_BLK_OP_READ;
		q[i].r.iov = &q[i].iov;
		q[i].r.iovcnt = 1;
		q[i].r.off = (uint64_t)(N - 1 - i) * LEN;
		q[i].r.done = qreq_done;
		CHECK_EQ(vccw_be_blk_queue_submit(bq, &q[i].r), 0);
	}
	CHECK_EQ(bq->inflight, N);
	for (i = 0; i < N; i++)
		CHECK_EQ(q[i].calls, 0);
	vccw_be_blk_queue_drain(bq);
	CHECK_EQ(bq->inflight, 0);
	for (i = 0; i < N; i++) {
		CHECK_EQ(q[i].calls, 1);
		CHECK_EQ(q[i].rc, 0);
		CHECK(memcmp(bufs[i], host + (size_t)(N - 1 - i) * LEN, LEN) == 0);
	}
	/* Flush, write zeroes over block 1, discard block 2 (reads back as zeroes). */
	q[N].r = (struct vccw_be_blk_req){ .op = VCCW_BE_BLK_OP_FLUSH, .done = qreq_done };
	q[N + 1].r = (struct vccw_be_blk_req){ .op = VCCW_BE_BLK_OP_WRITE_ZEROES, .off = LEN,
					       .len = LEN, .done = qreq_done };
	q[N + 2].r = (struct vccw_be_blk_req){ .op = VCCW_BE_BLK_OP_DISCARD, .off = 2 * LEN,
					       .len = LEN, .done = qreq_done };
	for (i = N; i < N + 3; i++)
		CHECK_EQ(vccw_be_blk_queue_submit(bq, &q[i].r), 0);
	vccw_be_blk_queue_drain(bq);
	for (i = N; i < N + 3; i++) {
		CHECK_EQ(q[i].calls, 1);
		CHECK_EQ(q[i].rc, 0);
	}
	CHECK_EQ(pread(fd, host, LEN, LEN), LEN);
	CHECK(memcmp(host, zero, LEN) == 0);
	CHECK_EQ(pread(fd, host, LEN, 2 * LEN), LEN);
	CHECK(memcmp(host, zero, LEN) == 0);
	/* Requests in flight are counted as the blocking calls count them. */
	{
		struct vccw_be_blk_stats st;

		vccw_be_blk_get_stats(be, &st);
		CHECK_EQ(st.rd_operations, N);
		CHECK_EQ(st.rd_bytes, (uint64_t)N * LEN);
		CHECK_EQ(st.flush_operations, 1);
		CHECK_EQ(st.wr_operations, 1); /* the write zeroes */
		CHECK_EQ(st.wr_bytes, LEN);
		CHECK_EQ(st.unmap_operations, 1);
		CHECK(st.rd_total_time_ns > 0);
	}
	/* The front's checks come first: out of range, not queued, no callback. */
	q[0].calls = 0;
	q[0].r.off = (uint64_t)N * LEN;
	CHECK_EQ(vccw_be_blk_queue_submit(bq, &q[0].r), -EINVAL);
	CHECK_EQ(q[0].calls, 0);
	vccw_be_blk_queue_free(bq);
	vccw_be_blk_close(be);
	close(fd);
	unlink(path);
}

static void check_bad_spec(const char *spec, const char *needle)
{
	struct vccw_err err = { 0 };
	struct vccw_be_char *be = vccw_be_char_open(spec, &err);

	CHECK_MSG(!be, "spec '%s' accepted", spec);
	vccw_be_char_close(be);
	CHECK_MSG(err.code == -EINVAL || err.code == -ENAMETOOLONG, "spec '%s': code %d", spec,
		  err.code);
	CHECK_MSG(strstr(err.msg, needle), "spec '%s': message '%s' lacks '%s'", spec, err.msg,
		  needle);
}

TEST(test_be_char_bad_specs_fail_with_clear_error)
{
	char longpath[200];

	check_bad_spec("", "empty spec");
	check_bad_spec("bogus", "unknown kind 'bogus'");
	check_bad_spec("bogus:x", "unknown kind 'bogus'");
	check_bad_spec("tcp:localhost:4444", "expected null, stdio");
	check_bad_spec("stdio:x", "takes no argument");
	check_bad_spec("file", "missing path");
	check_bad_spec("file:", "missing path");
	check_bad_spec("file:/tmp/x,bogus", "unknown option 'bogus'");
	check_bad_spec("socket:", "missing path");
	check_bad_spec("socket:/tmp/x,client", "unknown option 'client'");
	memset(longpath, 'p', sizeof(longpath));
	memcpy(longpath, "socket:/", 8);
	longpath[sizeof(longpath) - 1] = 0;
	check_bad_spec(longpath, "path longer");
	CHECK(!vccw_be_char_open("bogus", NULL)); /* the error record is optional */
}

TEST(test_be_char_null_and_stdio_open)
{
	struct vccw_be_char *be;

	be = vccw_be_char_open("null", NULL);
	REQUIRE(be);
	CHECK_EQ(vccw_be_char_write(be, "x", 1), 1);
	CHECK_EQ(vccw_be_char_input_fd(be), -1);
	vccw_be_char_close(be);
	be = vccw_be_char_open("stdio", NULL);
	REQUIRE(be);
	CHECK_EQ(vccw_be_char_write(be, "", 0), 0);
	vccw_be_char_close(be);
	/* stdin and stdout are borrowed, not closed. */
	CHECK(fcntl(STDOUT_FILENO, F_GETFD) >= 0);
}

TEST(test_be_char_file_truncates_or_appends)
{
	char path[] = "/tmp/vccw-chr-XXXXXX", spec[64], buf[32] = { 0 };
	struct vccw_be_char *be;
	int fd;

	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	CHECK_EQ(write(fd, "old contents", 12), 12);
	snprintf(spec, sizeof(spec), "file:%s", path);
	be = vccw_be_char_open(spec, NULL);
	REQUIRE(be);
	CHECK_EQ(vccw_be_char_input_fd(be), -1);
	CHECK_EQ(vccw_be_char_read(be, buf, sizeof(buf)), 0);
	CHECK_EQ(vccw_be_char_write(be, "one", 3), 3);
	vccw_be_char_close(be);
	snprintf(spec, sizeof(spec), "file:%s,append", path);
	be = vccw_be_char_open(spec, NULL);
	REQUIRE(be);
	CHECK_EQ(vccw_be_char_write(be, "two", 3), 3);
	vccw_be_char_close(be);
	CHECK_EQ(pread(fd, buf, sizeof(buf) - 1, 0), 6);
	CHECK(!strcmp(buf, "onetwo"));
	close(fd);
	unlink(path);
}

static bool readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* Read from @be until @len bytes came, waiting on its input fd (5 s at most). */
static bool be_read_exact(struct vccw_be_char *be, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (!readable(vccw_be_char_input_fd(be), 5000))
			return false;
		n = vccw_be_char_read(be, buf + got, len - got);
		if (n < 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Entries in @dir other than . and .. */
static int count_entries(const char *dir)
{
	char cmd[160];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	f = popen(cmd, "r");
	if (!f || fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

static bool connects(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

TEST(test_unix_listen_appears_listening_and_never_clobbers)
{
	char dir[] = "/tmp/vccw-listen-XXXXXX", path[64], longp[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct vccw_err err = { 0 };
	struct stat st;
	int fd, fd2, fd3, c, in;
	FILE *f;

	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	/* A regular file of that name is refused and kept, even with replace. */
	f = fopen(path, "w");
	REQUIRE(f);
	fputs("keep", f);
	fclose(f);
	CHECK_EQ(vccw_unix_listen(path, 1, true, &err), -EEXIST);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4);
	unlink(path);

	/*
	 * Listening when it appears: the socket is made under another name, and the final
	 * name is created last (as a link), so a client that waits for it and connects is
	 * never refused. A connection succeeds at once; no temporary is left.
	 */
	in = inotify_init1(IN_NONBLOCK);
	REQUIRE(in >= 0);
	REQUIRE(inotify_add_watch(in, dir, IN_CREATE) >= 0);
	fd = vccw_unix_listen(path, 1, false, &err);
	CHECK_MSG(fd >= 0, "%s", err.msg);
	REQUIRE(fd >= 0);
	{
		union {
			struct inotify_event ev;
			char raw[4096];
		} u;
		ssize_t n = read(in, u.raw, sizeof(u.raw));
		size_t off = 0;
		int creates = 0;
		bool last_is_final = false;

		while (n > 0 && off + sizeof(struct inotify_event) <= (size_t)n) {
			struct inotify_event *ev = (struct inotify_event *)(u.raw + off);

			creates++;
			last_is_final = ev->len && !strcmp(ev->name, "s");
			if (creates == 1)
				CHECK_MSG(!last_is_final, "the final name was created first (before listen)");
			off += sizeof(*ev) + ev->len;
		}
		CHECK_EQ(creates, 2);
		CHECK(last_is_final);
	}
	close(in);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(connects(path));
	CHECK_EQ(count_entries(dir), 1);
	/* Without replace an existing socket is refused; with it, replaced. */
	CHECK_EQ(vccw_unix_listen(path, 1, false, &err), -EEXIST);
	fd2 = vccw_unix_listen(path, 1, true, &err);
	CHECK_MSG(fd2 >= 0, "%s", err.msg);
	REQUIRE(fd2 >= 0);
	CHECK(connects(path));
	c = accept(fd2, NULL, NULL);
	CHECK(c >= 0);
	if (c >= 0)
		close(c);
	CHECK_EQ(count_entries(dir), 1);
	close(fd);
	close(fd2);
	unlink(path);

	/* A path with no room for the temporary name beside it is bound directly. */
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	memcpy(longp, dir, strlen(dir));
	longp[strlen(dir)] = '/';
	fd3 = vccw_unix_listen(longp, 1, false, &err);
	CHECK_MSG(fd3 >= 0, "%s", err.msg);
	if (fd3 >= 0) {
		CHECK(connects(longp));
		close(fd3);
	}
	unlink(longp);
	CHECK_EQ(count_entries(dir), 0);
	/* One byte longer does not fit a unix socket address at all. */
	CHECK_EQ(vccw_unix_listen("/tmp/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1, false, &err), -ENAMETOOLONG);
	rmdir(dir);
}

TEST(test_be_char_socket_server_and_client_talk)
{
	char path[64], spec[80], buf[8] = { 0 };
	struct vccw_be_char *srv, *cli;
	struct vccw_err err = { 0 };

	snprintf(path, sizeof(path), "/tmp/vccw-sock-%d", (int)getpid());
	unlink(path);
	snprintf(spec, sizeof(spec), "socket:%s,server", path);
	srv = vccw_be_char_open(spec, &err);
	CHECK_MSG(srv, "%s", err.msg);
	REQUIRE(srv);
	/* No client yet: output is dropped, nothing to read. */
	CHECK_EQ(vccw_be_char_write(srv, "lost", 4), 4);
	CHECK_EQ(vccw_be_char_read(srv, buf, sizeof(buf)), 0);
	/* A second server on the same path fails and names it. */
	CHECK(!vccw_be_char_open(spec, &err));
	CHECK(strstr(err.msg, path));

	snprintf(spec, sizeof(spec), "socket:%s", path);
	cli = vccw_be_char_open(spec, &err);
	CHECK_MSG(cli, "%s", err.msg);
	if (!cli)
		goto out;
	/* The connection shows up as input readiness on the server's stable fd. */
	CHECK_EQ(vccw_be_char_write(cli, "ping", 4), 4);
	CHECK(be_read_exact(srv, buf, 4));
	CHECK(!memcmp(buf, "ping", 4));
	CHECK_EQ(vccw_be_char_write(srv, "pong", 4), 4);
	CHECK(be_read_exact(cli, buf, 4));
	CHECK(!memcmp(buf, "pong", 4));

	/* The client leaves; the server listens again and takes the next one. */
	vccw_be_char_close(cli);
	CHECK(readable(vccw_be_char_input_fd(srv), 5000));
	CHECK_EQ(vccw_be_char_read(srv, buf, sizeof(buf)), 0);
	cli = vccw_be_char_open(spec, &err);
	REQUIRE(cli);
	CHECK_EQ(vccw_be_char_write(cli, "again", 5), 5);
	CHECK(be_read_exact(srv, buf, 5));
	CHECK(!memcmp(buf, "again", 5));
	vccw_be_char_close(cli);
out:
	vccw_be_char_close(srv);
	/* The server removes the socket it created. */
	CHECK(access(path, F_OK) != 0);
	snprintf(spec, sizeof(spec), "socket:%s", path);
	CHECK(!vccw_be_char_open(spec, &err));
	CHECK(strstr(err.msg, "connect"));
}

TEST(test_be_char_set_input_pauses_the_watched_fd)
{
	struct vccw_be_char *be;
	char buf[8];
	int sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	be = vccw_be_char_fd_new(sv[0], sv[0], true, NULL);
	REQUIRE(be);
	CHECK_EQ(write(sv[1], "x", 1), 1);
	CHECK(readable(vccw_be_char_input_fd(be), 5000));
	vccw_be_char_set_input(be, false);
	CHECK(!readable(vccw_be_char_input_fd(be), 0));
	vccw_be_char_set_input(be, true);
	CHECK(readable(vccw_be_char_input_fd(be), 5000));
	CHECK_EQ(vccw_be_char_read(be, buf, sizeof(buf)), 1);
	CHECK_EQ(vccw_be_char_read(be, buf, sizeof(buf)), 0);
	/* End of input: the fd stops reporting, so a level-triggered loop does not spin. */
	close(sv[1]);
	CHECK(readable(vccw_be_char_input_fd(be), 5000));
	CHECK_EQ(vccw_be_char_read(be, buf, sizeof(buf)), 0);
	CHECK(!readable(vccw_be_char_input_fd(be), 0));
	vccw_be_char_close(be);
}

/* ---- character: output never waits for the peer ---- */

static uint8_t out_pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 11));
}

TEST(test_be_char_output_to_pipe_nobody_reads_never_blocks_then_drains_in_order)
{
	enum { TOTAL = 512 * 1024, CHUNK = 16 * 1024 };
	uint8_t *data = malloc(TOTAL), *got = malloc(TOTAL);
	struct vccw_be_char *be;
	size_t sent = 0, nread = 0, i;
	unsigned int rounds;
	int p[2], ofd;
	ssize_t n;

	REQUIRE(data && got && pipe(p) == 0);
	for (i = 0; i < TOTAL; i++)
		data[i] = out_pattern(i);
	/* A blocking pipe, as stdout often is: the backend must not wait on it. */
	be = vccw_be_char_fd_new(-1, p[1], false, NULL);
	REQUIRE(be);
	ofd = vccw_be_char_output_fd(be);
	CHECK(ofd >= 0);
	/* Nobody reads: the pipe fills, then the backend's buffer, then writes take less. */
	for (rounds = 0; sent < TOTAL && rounds < TOTAL / CHUNK; rounds++) {
		n = vccw_be_char_write(be, data + sent, CHUNK);
		REQUIRE(n >= 0 && n <= CHUNK);
		sent += (size_t)n;
		if (n < CHUNK)
			break;
	}
	CHECK(sent < TOTAL);
	CHECK(sent >= VCCW_BE_CHAR_OUTBUF);
	CHECK_EQ(vccw_be_char_write(be, data + sent, CHUNK), 0); /* full: nothing taken */
	CHECK(!readable(ofd, 0));                                 /* no room: no event */
	/* The caller's file description keeps its flags. */
	CHECK(!(fcntl(p[1], F_GETFL) & O_NONBLOCK));

	/* The reader wakes up: room is reported, flushed, and the rest goes out in order. */
	while (nread < TOTAL) {
		if (!readable(p[0], 5000))
			break;
		n = read(p[0], got + nread, TOTAL - nread);
		if (n <= 0)
			break;
		nread += (size_t)n;
		if (readable(ofd, 0))
			CHECK(vccw_be_char_flush(be) >= 0);
		if (sent < TOTAL) {
			n = vccw_be_char_write(be, data + sent, TOTAL - sent);
			CHECK(n >= 0);
			if (n > 0)
				sent += (size_t)n;
		}
	}
	CHECK_EQ(nread, TOTAL);
	CHECK(!memcmp(data, got, nread));
	/* Drained: the output fd falls silent, so a level-triggered loop does not spin. */
	CHECK_EQ(vccw_be_char_flush(be), 0);
	CHECK(!readable(ofd, 0));
	vccw_be_char_close(be);
	close(p[0]);
	close(p[1]);
	free(data);
	free(got);
}

TEST(test_be_char_output_to_gone_peer_fails_without_blocking)
{
	struct vccw_be_char *be;
	int sv[2];

	REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	be = vccw_be_char_fd_new(sv[0], sv[0], true, NULL);
	REQUIRE(be);
	close(sv[1]);
	CHECK_EQ(vccw_be_char_write(be, "x", 1), -EPIPE);
	CHECK_EQ(vccw_be_char_flush(be), 0);
	vccw_be_char_close(be);
}

/* ---- character: a socket server out of file descriptors ---- */

/* The child's checks: exit code 0 when all held, else the number of the failed step. */
static int accept_backoff_child(const char *path)
{
	char spec[96], buf[4];
	struct rlimit rl, low;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vccw_be_char *srv;
	int cfd, in, spare;
	size_t got = 0;
	ssize_t n;

	snprintf(spec, sizeof(spec), "socket:%s,server", path);
	srv = vccw_be_char_open(spec, NULL);
	if (!srv)
		return 1;
	in = vccw_be_char_input_fd(srv);
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 2;
	if (write(cfd, "hi", 2) != 2)
		return 3;
	/* No fd free below the limit: accept4() fails with EMFILE. */
	spare = dup(0);
	if (spare < 0 || getrlimit(RLIMIT_NOFILE, &rl))
		return 4;
	close(spare);
	low = rl;
	low.rlim_cur = (rlim_t)spare;
	if (setrlimit(RLIMIT_NOFILE, &low))
		return 5;
	if (!readable(in, 5000))
		return 6;
	if (vccw_be_char_read(srv, buf, sizeof(buf)) != 0)
		return 7;
	/* Paused: the still-queued connection no longer makes the input fd readable. */
	if (readable(in, 0))
		return 8;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 9;
	/* The back-off timer brings the retry, which now accepts and reads the client. */
	while (got < 2) {
		if (!readable(in, 5000))
			return 10;
		n = vccw_be_char_read(srv, buf + got, 2 - got);
		if (n < 0)
			return 11;
		got += (size_t)n;
	}
	if (memcmp(buf, "hi", 2))
		return 12;
	close(cfd);
	vccw_be_char_close(srv);
	return 0;
}

TEST(test_be_char_socket_server_pauses_accept_when_out_of_fds)
{
	char path[64];
	int status = -1;
	pid_t pid;

	snprintf(path, sizeof(path), "/tmp/vccw-emfile-%d", (int)getpid());
	unlink(path);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(accept_backoff_child(path));
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child failed at step %d (status 0x%x)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1, status);
	unlink(path);
}
