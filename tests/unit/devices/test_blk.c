// SPDX-License-Identifier: MIT
/*
 * virtio-blk through real split virtqueues in guest memory (virtio v1.2 section 5.2):
 * requests written the way a driver lays them out, results checked in the used ring,
 * the status byte and the backing file on the host.
 */
#define _GNU_SOURCE /* fallocate(), accept4() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "vdrv.h"
#include "vccw/be-blk.h"
#include "vccw/blk.h"
#include "vccw/byteorder.h"

#define DISK_SIZE (1u << 20)
#define DISK_SECTORS (DISK_SIZE / 512)
#define ALL_FEATURES (~(uint64_t)0)

enum layout {
	/* header | data | status each in their own descriptor (legacy, no ANY_LAYOUT) */
	LAYOUT_SEPARATE,
	/* header over three descriptors, its tail sharing one with OUT data; IN data and
	 * status in one writable descriptor */
	LAYOUT_SPLIT,
};

struct blkfix {
	char path[64];
	int fd; /* host view of the disk */
	struct vccw_mem *mem;
	struct vccw_be_blk *be;
	struct vccw_blk *blk;
	struct vdrv d;
};

/* How the fixture's backend runs requests (tests of aio=io_uring set it). */
static enum vccw_be_blk_aio fix_aio = VCCW_BE_BLK_AIO_THREADS;
/* The I/O thread the fixture's device is served on (iothread tests); NULL: its own. */
static struct vccw_iothread *fix_iothread;

static bool fix_open(struct blkfix *f, bool readonly, uint64_t accept, uint64_t extra,
		     uint16_t nq)
{
	struct vccw_be_blk_file_opts opts = { .readonly = readonly, .aio = fix_aio };
	struct vccw_blk_config cfg = { .serial = "vccw-disk-0001", .num_queues = nq,
				       .queue_size = VDRV_QSIZE, .iothread = fix_iothread };
	struct vccw_err err = { 0 };

	memset(f, 0, sizeof(*f));
	strcpy(f->path, "/tmp/vccw-blk-XXXXXX");
	f->fd = mkstemp(f->path);
	if (f->fd < 0 || ftruncate(f->fd, DISK_SIZE) < 0) {
		CHECK_MSG(false, "temp file: %s", strerror(errno));
		return false;
	}
	f->mem = vdrv_mem();
	f->be = vccw_be_blk_file_open_opts(f->path, &opts, &err);
	CHECK_MSG(f->be, "backend: %s", err.msg);
	if (!f->mem || !f->be)
		return false;
	cfg.backend = f->be;
	f->blk = vccw_blk_new(f->mem, &cfg, extra, &err);
	CHECK_MSG(f->blk, "device: %s", err.msg);
	if (!f->blk)
		return false;
	return vdrv_start(&f->d, f->mem, vccw_blk_vdev(f->blk), accept, nq);
}

static void fix_close(struct blkfix *f)
{
	vccw_blk_free(f->blk);
	vccw_be_blk_close(f->be);
	vccw_mem_free(f->mem);
	if (f->fd >= 0)
		close(f->fd);
	unlink(f->path);
}

static bool fix_open_default(struct blkfix *f)
{
	return fix_open(f, false, ALL_FEATURES, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), 1);
}

/*
 * Issue one request on queue @qi: header (@type, @sector), @out_len bytes of @out as
 * device-readable data, @in_len bytes of device-writable data (copied to @in after
 * completion when @in is not NULL), then the status byte. Returns the status, or -1
 * when no used entry came; *@used receives the used length.
 */
static int req_q(struct blkfix *f, unsigned int qi, uint32_t type, uint64_t sector,
		 const void *out, uint32_t out_len, void *in, uint32_t in_len, enum layout lay,
		 uint32_t *used)
{
	struct vdrv *d = &f->d;
	struct vdrv_seg segs[6];
	uint8_t hdr[16] = { 0 }, status = 0xff;
	uint64_t r, w;
	unsigned int n = 0;
	uint32_t len;
	uint16_t id, head;

	vdrv_reset_bufs(d);
	vdrv_st32(d, hdr, type);
	vdrv_st64(d, hdr + 8, sector);
	/* Readable area: header then data; writable area: data then status. */
	r = vdrv_alloc(d, 16 + out_len);
	w = vdrv_alloc(d, in_len + 1);
	vccw_mem_write(d->mem, r, hdr, 16);
	if (out_len)
		vccw_mem_write(d->mem, r + 16, out, out_len);
	vccw_mem_fill(d->mem, w, 0xee, in_len);
	vccw_mem_write(d->mem, w + in_len, &status, 1);

	if (lay == LAYOUT_SEPARATE) {
		segs[n++] = (struct vdrv_seg){ r, 16, false };
		if (out_len)
			segs[n++] = (struct vdrv_seg){ r + 16, out_len, false };
		if (in_len)
			segs[n++] = (struct vdrv_seg){ w, in_len, true };
		segs[n++] = (struct vdrv_seg){ w + in_len, 1, true };
	} else {
		segs[n++] = (struct vdrv_seg){ r, 5, false };
		segs[n++] = (struct vdrv_seg){ r + 5, 6, false };
		segs[n++] = (struct vdrv_seg){ r + 11, 5 + out_len, false };
		segs[n++] = (struct vdrv_seg){ w, in_len + 1, true };
	}
	head = vdrv_add(d, qi, segs, n);
	vdrv_kick(d, qi);
	if (!vdrv_wait_used(d, qi, &id, &len)) {
		CHECK_MSG(false, "no used entry for request type %u", type);
		return -1;
	}
	CHECK_EQ(id, head);
	if (used)
		*used = len;
	if (in && in_len)
		vccw_mem_read(d->mem, w, in, in_len);
	vccw_mem_read(d->mem, w + in_len, &status, 1);
	return status;
}

static int req(struct blkfix *f, uint32_t type, uint64_t sector, const void *out,
	       uint32_t out_len, void *in, uint32_t in_len, uint32_t *used)
{
	return req_q(f, 0, type, sector, out, out_len, in, in_len, LAYOUT_SEPARATE, used);
}

static void pattern(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 9));
}

static bool host_is(struct blkfix *f, uint64_t off, const void *want, size_t len)
{
	uint8_t *got = malloc(len);
	bool same;

	if (!got || pread(f->fd, got, len, (off_t)off) != (ssize_t)len) {
		free(got);
		return false;
	}
	same = !memcmp(got, want, len);
	free(got);
	return same;
}

static bool host_is_zero(struct blkfix *f, uint64_t off, size_t len)
{
	uint8_t *zero = calloc(1, len);
	bool ok = zero && host_is(f, off, zero, len);

	free(zero);
	return ok;
}

/* One discard / write-zeroes segment, always little-endian (5.2.6). */
static void dwz_seg(uint8_t *p, uint64_t sector, uint32_t num, uint32_t flags)
{
	vccw_st_le64(p, sector);
	vccw_st_le32(p + 8, num);
	vccw_st_le32(p + 12, flags);
}

TEST(test_blk_out_then_in_round_trip_through_file)
{
	uint8_t wbuf[4096], rbuf[4096];
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	pattern(wbuf, sizeof(wbuf), 1);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, 10, wbuf, sizeof(wbuf), NULL, 0, &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 1); /* only the status byte is device-writable */
	/* The write is acknowledged only once done: the host sees it now. */
	CHECK(host_is(&f, 10 * 512, wbuf, sizeof(wbuf)));

	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, 10, NULL, 0, rbuf, sizeof(rbuf), &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, sizeof(rbuf) + 1);
	CHECK(!memcmp(rbuf, wbuf, sizeof(rbuf)));
out:
	fix_close(&f);
}

TEST(test_blk_in_reads_what_the_host_wrote)
{
	uint8_t wbuf[1024], rbuf[1024];
	struct blkfix f;

	if (!fix_open_default(&f))
		goto out;
	pattern(wbuf, sizeof(wbuf), 9);
	CHECK_EQ(pwrite(f.fd, wbuf, sizeof(wbuf), (DISK_SECTORS - 2) * 512), sizeof(wbuf));
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, DISK_SECTORS - 2, NULL, 0, rbuf, sizeof(rbuf),
		     NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(!memcmp(rbuf, wbuf, sizeof(rbuf)));
out:
	fix_close(&f);
}

TEST(test_blk_readonly_drive_offers_ro_and_rejects_writes_ioerr)
{
	uint8_t wbuf[512], rbuf[512];
	struct blkfix f;
	uint32_t used;

	if (!fix_open(&f, true, ALL_FEATURES, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), 1))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_RO));
	CHECK(!(f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_DISCARD)));
	pattern(wbuf, sizeof(wbuf), 3);
	/* 5.2.6.2: IOERR and no data written. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, 0, wbuf, sizeof(wbuf), NULL, 0, &used),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(used, 1);
	CHECK(host_is_zero(&f, 0, 512));
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, 0, NULL, 0, rbuf, sizeof(rbuf), NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
out:
	fix_close(&f);
}

TEST(test_blk_out_of_range_sector_ioerr)
{
	uint8_t buf[1024];
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	pattern(buf, sizeof(buf), 5);
	/* Last sector plus one beyond the end. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, DISK_SECTORS - 1, NULL, 0, buf, sizeof(buf),
		     &used),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(used, 1);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, DISK_SECTORS, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	/* sector * 512 would overflow 64 bits. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, UINT64_MAX / 256, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, UINT64_MAX, NULL, 0, buf, 512, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK(host_is_zero(&f, DISK_SIZE - 512, 512));
out:
	fix_close(&f);
}

TEST(test_blk_data_not_multiple_of_512_ioerr)
{
	uint8_t buf[700];
	struct blkfix f;

	if (!fix_open_default(&f))
		goto out;
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, sizeof(buf), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK(host_is_zero(&f, 0, 1024));
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, 0, NULL, 0, buf, 100, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
out:
	fix_close(&f);
}

TEST(test_blk_flush_ok)
{
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_FLUSH));
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL, 0, &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 1);
	/* FLUSH_OUT is only the legacy synonym. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_FLUSH_OUT, 0, NULL, 0, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_UNSUPP);
out:
	fix_close(&f);
}

TEST(test_blk_get_id_returns_nul_padded_serial)
{
	uint8_t id[20], want[20] = "vccw-disk-0001";
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_GET_ID, 0, NULL, 0, id, sizeof(id), &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 21);
	CHECK(!memcmp(id, want, sizeof(want)));
out:
	fix_close(&f);
}

TEST(test_blk_unknown_type_unsupp)
{
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	CHECK_EQ(req(&f, 99, 0, NULL, 0, NULL, 0, &used), VCCW_VIRTIO_BLK_S_UNSUPP);
	CHECK_EQ(used, 1);
	/* The high bit was the legacy barrier flag; BARRIER is not offered. */
	CHECK_EQ(req(&f, 0x80000000u, 0, NULL, 0, NULL, 0, NULL), VCCW_VIRTIO_BLK_S_UNSUPP);
out:
	fix_close(&f);
}

static bool host_can_punch(struct blkfix *f)
{
	return fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, DISK_SIZE - 4096,
			 4096) == 0;
}

TEST(test_blk_discard_deallocates_range)
{
	uint8_t wbuf[8192], seg[16];
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_DISCARD));
	pattern(wbuf, sizeof(wbuf), 11);
	CHECK_EQ(pwrite(f.fd, wbuf, sizeof(wbuf), 0), sizeof(wbuf));
	dwz_seg(seg, 0, 8, 0);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg), NULL, 0, &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 1);
	if (!host_can_punch(&f))
		SKIP("the temp file system cannot punch holes; discard is advisory");
	CHECK(host_is_zero(&f, 0, 4096));
	CHECK(host_is(&f, 4096, wbuf + 4096, 4096));
out:
	fix_close(&f);
}

TEST(test_blk_discard_unmap_or_unknown_flag_unsupp)
{
	uint8_t wbuf[1024], seg[16];
	struct blkfix f;

	if (!fix_open_default(&f))
		goto out;
	pattern(wbuf, sizeof(wbuf), 13);
	CHECK_EQ(pwrite(f.fd, wbuf, sizeof(wbuf), 0), sizeof(wbuf));
	/* 5.2.6.2: unmap on a discard, or any unknown flag, is UNSUPP. */
	dwz_seg(seg, 0, 2, VCCW_VIRTIO_BLK_DWZ_F_UNMAP);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_UNSUPP);
	dwz_seg(seg, 0, 2, 2);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, sizeof(seg), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_UNSUPP);
	CHECK(host_is(&f, 0, wbuf, sizeof(wbuf)));
out:
	fix_close(&f);
}

TEST(test_blk_write_zeroes_with_and_without_unmap)
{
	uint8_t wbuf[8192], segs[32];
	struct blkfix f;
	struct stat st;

	if (!fix_open_default(&f))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_WRITE_ZEROES));
	pattern(wbuf, sizeof(wbuf), 17);
	CHECK_EQ(pwrite(f.fd, wbuf, sizeof(wbuf), 512 * 100), sizeof(wbuf));
	/* Two segments: sectors 100-101 plain, 104-105 with unmap allowed. */
	dwz_seg(segs, 100, 2, 0);
	dwz_seg(segs + 16, 104, 2, VCCW_VIRTIO_BLK_DWZ_F_UNMAP);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, segs, sizeof(segs), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(host_is_zero(&f, 512 * 100, 1024));
	CHECK(host_is(&f, 512 * 102, wbuf + 1024, 1024));
	CHECK(host_is_zero(&f, 512 * 104, 1024));
	CHECK(host_is(&f, 512 * 106, wbuf + 3072, 8192 - 3072));
	CHECK(fstat(f.fd, &st) == 0 && st.st_size == DISK_SIZE);
out:
	fix_close(&f);
}

TEST(test_blk_discard_write_zeroes_limits_ioerr)
{
	uint8_t segs[16 * (VCCW_BLK_MAX_DWZ_SEG + 1)];
	uint8_t wbuf[512];
	unsigned int i;
	struct blkfix f;

	if (!fix_open_default(&f))
		goto out;
	pattern(wbuf, sizeof(wbuf), 19);
	CHECK_EQ(pwrite(f.fd, wbuf, sizeof(wbuf), 0), sizeof(wbuf));
	/* Beyond capacity. */
	dwz_seg(segs, DISK_SECTORS - 1, 2, 0);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, segs, 16, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	/* More than max_write_zeroes_seg segments; the first one must not be executed. */
	for (i = 0; i <= VCCW_BLK_MAX_DWZ_SEG; i++)
		dwz_seg(segs + 16 * i, 0, 1, 0);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, segs, sizeof(segs), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	/* A partial segment. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_DISCARD, 0, segs, 20, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	/* No segment at all. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 0, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	/* More sectors than max_write_zeroes_sectors in one segment. */
	dwz_seg(segs, 0, VCCW_BLK_MAX_DWZ_SECTORS + 1, 0);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, segs, 16, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK(host_is(&f, 0, wbuf, sizeof(wbuf)));
out:
	fix_close(&f);
}

TEST(test_blk_discard_not_negotiated_unsupp)
{
	uint8_t seg[16];
	struct blkfix f;

	if (!fix_open(&f, false, ~VCCW_BIT(VCCW_VIRTIO_BLK_F_DISCARD),
		      VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), 1))
		goto out;
	dwz_seg(seg, 0, 1, 0);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_DISCARD, 0, seg, sizeof(seg), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_UNSUPP);
out:
	fix_close(&f);
}

TEST(test_blk_header_split_across_three_descriptors)
{
	uint8_t wbuf[2048], rbuf[2048], id[20];
	struct blkfix f;
	uint32_t used;

	if (!fix_open_default(&f))
		goto out;
	pattern(wbuf, sizeof(wbuf), 23);
	CHECK_EQ(req_q(&f, 0, VCCW_VIRTIO_BLK_T_OUT, 40, wbuf, sizeof(wbuf), NULL, 0,
		       LAYOUT_SPLIT, &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, 1);
	CHECK(host_is(&f, 40 * 512, wbuf, sizeof(wbuf)));
	CHECK_EQ(req_q(&f, 0, VCCW_VIRTIO_BLK_T_IN, 40, NULL, 0, rbuf, sizeof(rbuf),
		       LAYOUT_SPLIT, &used),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(used, sizeof(rbuf) + 1);
	CHECK(!memcmp(rbuf, wbuf, sizeof(rbuf)));
	CHECK_EQ(req_q(&f, 0, VCCW_VIRTIO_BLK_T_GET_ID, 0, NULL, 0, id, sizeof(id),
		       LAYOUT_SPLIT, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(!memcmp(id, "vccw-disk-0001", 14));
out:
	fix_close(&f);
}

TEST(test_blk_legacy_big_endian_header_and_config)
{
	uint8_t wbuf[1024], rbuf[1024], cfg[8];
	struct blkfix f;

	/* No VERSION_1 offered: a legacy device, guest (big-endian) byte order. */
	if (!fix_open(&f, false, ALL_FEATURES, 0, 1))
		goto out;
	CHECK(f.d.legacy);
	CHECK(vccw_virtio_read_config(vccw_blk_vdev(f.blk), VCCW_VIRTIO_BLK_CFG_CAPACITY, cfg,
				      8));
	CHECK_EQ(vccw_ld_be64(cfg), DISK_SECTORS);
	pattern(wbuf, sizeof(wbuf), 29);
	/* Sector 0x100 differs from its byte swap, so a wrong order would miss. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, 0x100, wbuf, sizeof(wbuf), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(host_is(&f, 0x100 * 512, wbuf, sizeof(wbuf)));
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, 0x100, NULL, 0, rbuf, sizeof(rbuf), NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(!memcmp(rbuf, wbuf, sizeof(rbuf)));
	/* Legacy drivers may use FLUSH_OUT. */
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_FLUSH_OUT, 0, NULL, 0, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
out:
	fix_close(&f);
}

TEST(test_blk_config_space_version_1_little_endian)
{
	uint8_t cfg[VCCW_VIRTIO_BLK_CFG_SIZE];
	struct vccw_virtio_dev *vdev;
	struct blkfix f;

	if (!fix_open_default(&f))
		goto out;
	vdev = vccw_blk_vdev(f.blk);
	CHECK_EQ(vccw_virtio_config_size(vdev), VCCW_VIRTIO_BLK_CFG_SIZE);
	REQUIRE(vccw_virtio_read_config(vdev, 0, cfg, sizeof(cfg)));
	CHECK_EQ(vccw_ld_le64(cfg + VCCW_VIRTIO_BLK_CFG_CAPACITY), DISK_SECTORS);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_SIZE_MAX), VCCW_BLK_SIZE_MAX);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_SEG_MAX), VDRV_QSIZE - 2);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_BLK_SIZE), 512);
	CHECK_EQ(vccw_ld_le16(cfg + VCCW_VIRTIO_BLK_CFG_NUM_QUEUES), 1);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS),
		 VCCW_BLK_MAX_DWZ_SECTORS);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_MAX_DISCARD_SEG), VCCW_BLK_MAX_DWZ_SEG);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT), 1);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS),
		 VCCW_BLK_MAX_DWZ_SECTORS);
	CHECK_EQ(vccw_ld_le32(cfg + VCCW_VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG),
		 VCCW_BLK_MAX_DWZ_SEG);
	CHECK_EQ(cfg[VCCW_VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP], 1);
	CHECK_EQ(cfg[VCCW_VIRTIO_BLK_CFG_WRITEBACK + 1], 0); /* unused0 */
	CHECK(!vccw_virtio_read_config(vdev, VCCW_VIRTIO_BLK_CFG_SIZE - 2, cfg, 4));
out:
	fix_close(&f);
}

TEST(test_blk_multiqueue_serves_every_queue)
{
	uint8_t wbuf[512], rbuf[512];
	struct blkfix f;

	if (!fix_open(&f, false, ALL_FEATURES, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), 3))
		goto out;
	CHECK(f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_MQ));
	CHECK_EQ(vccw_virtio_queue_max(vccw_blk_vdev(f.blk), 2), VDRV_QSIZE);
	CHECK_EQ(vccw_virtio_queue_max(vccw_blk_vdev(f.blk), 3), 0);
	pattern(wbuf, sizeof(wbuf), 31);
	CHECK_EQ(req_q(&f, 2, VCCW_VIRTIO_BLK_T_OUT, 7, wbuf, sizeof(wbuf), NULL, 0,
		       LAYOUT_SEPARATE, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(req_q(&f, 1, VCCW_VIRTIO_BLK_T_IN, 7, NULL, 0, rbuf, sizeof(rbuf),
		       LAYOUT_SEPARATE, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(!memcmp(rbuf, wbuf, sizeof(rbuf)));
out:
	fix_close(&f);
}

TEST(test_blk_request_without_status_byte_needs_reset)
{
	struct vdrv_seg seg;
	struct blkfix f;
	uint8_t hdr[16] = { 0 };
	unsigned int ms;

	if (!fix_open_default(&f))
		goto out;
	seg.addr = vdrv_alloc(&f.d, 16);
	seg.len = 16;
	seg.write = false;
	vccw_mem_write(f.mem, seg.addr, hdr, sizeof(hdr));
	vdrv_add(&f.d, 0, &seg, 1);
	vdrv_kick(&f.d, 0);
	for (ms = 0; ms < 5000; ms++) {
		if (vccw_virtio_get_status(vccw_blk_vdev(f.blk)) & VCCW_VIRTIO_S_NEEDS_RESET)
			break;
		vdrv_sleep_ms(1);
	}
	CHECK(vccw_virtio_get_status(vccw_blk_vdev(f.blk)) & VCCW_VIRTIO_S_NEEDS_RESET);
out:
	fix_close(&f);
}

TEST(test_blk_new_rejects_bad_config)
{
	struct vccw_blk_config cfg = { 0 };
	struct vccw_err err = { 0 };
	struct vccw_mem *mem = vdrv_mem();
	struct vccw_be_blk fake = { .size = 4096, .block_size = 512 };

	CHECK(!vccw_blk_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "backend"));
	cfg.backend = &fake;
	cfg.queue_size = 100;
	CHECK(!vccw_blk_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "queue size"));
	cfg.queue_size = 0;
	cfg.serial = "123456789012345678901";
	CHECK(!vccw_blk_new(mem, &cfg, 0, &err));
	CHECK(strstr(err.msg, "serial"));
	vccw_mem_free(mem);
}

/* ---- a failing backend, plugged in through the ops table ---- */

struct failing_be {
	struct vccw_be_blk be;
	unsigned int flushes;
};

static int fail_rw(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
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
	container_of(be, struct failing_be, be)->flushes++;
	return -EIO;
}

static void fail_close(struct vccw_be_blk *be)
{
	(void)be;
}

static const struct vccw_be_blk_ops failing_ops = {
	.kind = "failing",
	.preadv = fail_rw,
	.pwritev = fail_rw,
	.flush = fail_flush,
	.close = fail_close,
};

TEST(test_blk_backend_error_becomes_ioerr)
{
	struct failing_be fb = { .be = { .ops = &failing_ops, .size = 65536, .block_size = 512 } };
	struct vccw_blk_config cfg = { .backend = &fb.be, .queue_size = VDRV_QSIZE };
	uint8_t buf[512] = { 0 };
	struct blkfix f;
	uint32_t used;

	memset(&f, 0, sizeof(f));
	f.fd = -1;
	f.mem = vdrv_mem();
	f.blk = vccw_blk_new(f.mem, &cfg, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), NULL);
	REQUIRE(f.blk);
	if (!vdrv_start(&f.d, f.mem, vccw_blk_vdev(f.blk), ALL_FEATURES, 1))
		goto out;
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_IN, 0, NULL, 0, buf, sizeof(buf), &used),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(used, 1);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, sizeof(buf), NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(fb.flushes, 1);
	/* No discard hook: discarding is advisory, so still OK. */
	{
		uint8_t seg[16];

		dwz_seg(seg, 0, 1, 0);
		CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_DISCARD, 0, seg, 16, NULL, 0, NULL),
			 VCCW_VIRTIO_BLK_S_OK);
		/* Write zeroes falls back to pwritev, which fails. */
		CHECK_EQ(req(&f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, NULL, 0, NULL),
			 VCCW_VIRTIO_BLK_S_IOERR);
	}
out:
	vccw_blk_free(f.blk);
	vccw_mem_free(f.mem);
}

/* ---- block sizes, topology, geometry (5.2.4) and the cache mode (5.2.5) ---- */

/* A backend in host memory that counts flushes: writethrough shows as flushes. */
struct mem_be {
	struct vccw_be_blk be;
	uint8_t *data;
	unsigned int flushes;
};

static int mem_rw(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		  uint64_t off, bool write)
{
	struct mem_be *m = container_of(be, struct mem_be, be);
	unsigned int i;

	for (i = 0; i < iovcnt; i++) {
		if (write)
			memcpy(m->data + off, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, m->data + off, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	return 0;
}

static int mem_preadv(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		      uint64_t off)
{
	return mem_rw(be, iov, iovcnt, off, false);
}

static int mem_pwritev(struct vccw_be_blk *be, const struct iovec *iov, unsigned int iovcnt,
		       uint64_t off)
{
	return mem_rw(be, iov, iovcnt, off, true);
}

static int mem_flush(struct vccw_be_blk *be)
{
	container_of(be, struct mem_be, be)->flushes++;
	return 0;
}

static const struct vccw_be_blk_ops mem_ops = {
	.kind = "memory",
	.preadv = mem_preadv,
	.pwritev = mem_pwritev,
	.flush = mem_flush,
	.close = fail_close,
};

struct memfix {
	struct mem_be mb;
	struct vccw_mem *mem;
	struct vccw_blk *blk;
	struct blkfix f; /* for req(): only mem, blk and d are used */
};

static bool mem_open(struct memfix *m, struct vccw_blk_config *cfg, uint64_t accept)
{
	struct vccw_err err = { 0 };

	memset(m, 0, sizeof(*m));
	m->f.fd = -1;
	m->mb.be = (struct vccw_be_blk){ .ops = &mem_ops, .size = DISK_SIZE, .block_size = 512 };
	m->mb.data = calloc(1, DISK_SIZE);
	m->mem = vdrv_mem();
	if (!m->mb.data || !m->mem) {
		CHECK_MSG(false, "out of memory");
		return false;
	}
	cfg->backend = &m->mb.be;
	cfg->queue_size = VDRV_QSIZE;
	m->blk = vccw_blk_new(m->mem, cfg, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err);
	CHECK_MSG(m->blk, "device: %s", err.msg);
	if (!m->blk)
		return false;
	m->f.mem = m->mem;
	m->f.blk = m->blk;
	return vdrv_start(&m->f.d, m->mem, vccw_blk_vdev(m->blk), accept, 1);
}

static void mem_close(struct memfix *m)
{
	vccw_blk_free(m->blk);
	vccw_mem_free(m->mem);
	free(m->mb.data);
}

static uint8_t cfg_byte(struct memfix *m, uint32_t off)
{
	uint8_t b = 0xee;

	CHECK(vccw_virtio_read_config(vccw_blk_vdev(m->blk), off, &b, 1));
	return b;
}

TEST(test_blk_block_sizes_topology_and_geometry_in_config)
{
	struct vccw_blk_config cfg = { .logical_block_size = 4096,
				       .physical_block_size = 16384,
				       .min_io_size = 8192,
				       .opt_io_size = 65536,
				       .cyls = 300,
				       .heads = 4,
				       .secs = 32 };
	uint8_t c[VCCW_VIRTIO_BLK_CFG_SIZE];
	struct memfix m;

	if (!mem_open(&m, &cfg, ALL_FEATURES))
		goto out;
	CHECK(m.f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_GEOMETRY));
	CHECK(m.f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_TOPOLOGY));
	CHECK(m.f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_BLK_SIZE));
	CHECK(m.f.d.features & VCCW_BIT(VCCW_VIRTIO_BLK_F_CONFIG_WCE));
	REQUIRE(vccw_virtio_read_config(vccw_blk_vdev(m.blk), 0, c, sizeof(c)));
	/* The protocol unit stays 512 bytes: capacity in 512-byte sectors. */
	CHECK_EQ(vccw_ld_le64(c + VCCW_VIRTIO_BLK_CFG_CAPACITY), DISK_SECTORS);
	CHECK_EQ(vccw_ld_le16(c + VCCW_VIRTIO_BLK_CFG_GEOMETRY), 300);
	CHECK_EQ(c[VCCW_VIRTIO_BLK_CFG_GEOMETRY + 2], 4);
	/* 1 MiB / 4 heads / 32 sectors = 8192, a whole number of 4096-byte blocks. */
	CHECK_EQ(c[VCCW_VIRTIO_BLK_CFG_GEOMETRY + 3], 32);
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BLK_CFG_BLK_SIZE), 4096);
	CHECK_EQ(c[VCCW_VIRTIO_BLK_CFG_TOPOLOGY], 2);     /* 16384 = 4096 << 2 */
	CHECK_EQ(c[VCCW_VIRTIO_BLK_CFG_TOPOLOGY + 1], 0); /* alignment_offset */
	CHECK_EQ(vccw_ld_le16(c + VCCW_VIRTIO_BLK_CFG_TOPOLOGY + 2), 2);  /* blocks */
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BLK_CFG_TOPOLOGY + 4), 16); /* blocks */
	/* discard_sector_alignment in 512-byte sectors: one logical block. */
	CHECK_EQ(vccw_ld_le32(c + VCCW_VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT), 8);
out:
	mem_close(&m);
}

TEST(test_blk_geometry_guessed_from_size_as_qemu)
{
	struct vccw_blk_config cfg = { 0 };
	uint8_t g[4];
	struct memfix m;

	if (!mem_open(&m, &cfg, ALL_FEATURES))
		goto out;
	REQUIRE(vccw_virtio_read_config(vccw_blk_vdev(m.blk), VCCW_VIRTIO_BLK_CFG_GEOMETRY, g, 4));
	/* QEMU's guess_chs_for_size(): 2048 sectors / (16 * 63) = 2 cylinders. */
	CHECK_EQ(vccw_ld_le16(g), 2);
	CHECK_EQ(g[2], 16);
	CHECK_EQ(g[3], 63);
	mem_close(&m);

	/*
	 * 4096-byte blocks: 1 MiB / 16 / 63 = 1040 bytes per track is no whole number of
	 * blocks, so QEMU rounds sectors down to a multiple of 8: 56.
	 */
	cfg = (struct vccw_blk_config){ .logical_block_size = 4096, .physical_block_size = 4096 };
	if (!mem_open(&m, &cfg, ALL_FEATURES))
		goto out;
	REQUIRE(vccw_virtio_read_config(vccw_blk_vdev(m.blk), VCCW_VIRTIO_BLK_CFG_GEOMETRY, g, 4));
	CHECK_EQ(g[2], 16);
	CHECK_EQ(g[3], 56);
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_TOPOLOGY), 0);
out:
	mem_close(&m);
}

TEST(test_blk_logical_block_size_requires_aligned_requests_ioerr)
{
	struct vccw_blk_config cfg = { .logical_block_size = 4096, .physical_block_size = 4096 };
	uint8_t buf[4096], rbuf[4096], seg[16];
	struct memfix m;

	if (!mem_open(&m, &cfg, ALL_FEATURES))
		goto out;
	pattern(buf, sizeof(buf), 41);
	/* Whole, aligned logical blocks work, addressed in 512-byte sectors. */
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 8, buf, 4096, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(!memcmp(m.mb.data + 4096, buf, 4096));
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_IN, 8, NULL, 0, rbuf, 4096, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(!memcmp(rbuf, buf, 4096));
	/* A start inside a block, or a length of part of a block: IOERR, nothing moved. */
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 1, buf, 4096, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 16, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_IN, 4, NULL, 0, rbuf, 4096, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK(m.mb.data[512] == 0 && m.mb.data[16 * 512] == 0);
	/* Write zeroes over half a block is refused; over a whole block it works. */
	dwz_seg(seg, 12, 4, 0);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_IOERR);
	CHECK(m.mb.data[4096 + 2048] == buf[2048]);
	dwz_seg(seg, 8, 8, 0);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK(m.mb.data[4096] == 0 && m.mb.data[8191] == 0);
out:
	mem_close(&m);
}

TEST(test_blk_check_layout_applies_qemu_rules)
{
	struct {
		struct vccw_blk_config cfg;
		const char *msg; /* NULL: accepted */
	} cases[] = {
		{ { .logical_block_size = 4096, .physical_block_size = 4096 }, NULL },
		{ { .logical_block_size = 4096 }, "logical_block_size > physical_block_size" },
		{ { .logical_block_size = 256 }, "logical_block_size 256" },
		{ { .physical_block_size = 3072 }, "physical_block_size 3072" },
		{ { .physical_block_size = 4u << 20 }, "physical_block_size 4194304" },
		{ { .min_io_size = 1000 }, "min_io_size must be a multiple" },
		{ { .min_io_size = 512u * 65535 }, NULL },
		{ { .min_io_size = 512u * 65536 }, "min_io_size must not exceed 65535" },
		{ { .opt_io_size = 768 }, "opt_io_size must be a multiple" },
		{ { .cyls = 10, .heads = 4 }, "secs must be between 1 and 255" },
		{ { .cyls = 65536, .heads = 1, .secs = 1 }, "cyls must be between 1 and 65535" },
		{ { .cyls = 1, .heads = 256, .secs = 1 }, "heads must be between 1 and 255" },
		{ { .cyls = 65535, .heads = 255, .secs = 255 }, NULL },
	};
	struct vccw_err err;
	unsigned int i;
	int rc;

	for (i = 0; i < VCCW_ARRAY_SIZE(cases); i++) {
		memset(&err, 0, sizeof(err));
		rc = vccw_blk_check_layout(&cases[i].cfg, 512, &err);
		if (!cases[i].msg)
			CHECK_MSG(rc == 0, "case %u refused: %s", i, err.msg);
		else
			CHECK_MSG(rc == -EINVAL && strstr(err.msg, cases[i].msg),
				  "case %u: rc %d, '%s'", i, rc, err.msg);
	}
	/* A backend with 4096-byte blocks provides both defaults. */
	CHECK_EQ(vccw_blk_check_layout(&cases[1].cfg, 4096, NULL), 0);
}

TEST(test_blk_config_wce_switches_writethrough_and_reset_restores)
{
	struct vccw_blk_config cfg = { 0 };
	struct vccw_virtio_dev *vdev;
	uint8_t buf[512] = { 1 }, zero = 0, one = 1;
	struct memfix m;

	if (!mem_open(&m, &cfg, ALL_FEATURES))
		goto out;
	vdev = vccw_blk_vdev(m.blk);
	/* FLUSH and CONFIG_WCE negotiated: the configured mode, writeback. */
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 1);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 0);
	/* 5.2.5: the driver writes 0: writethrough, every write stable at completion. */
	CHECK(vccw_virtio_write_config(vdev, VCCW_VIRTIO_BLK_CFG_WRITEBACK, &zero, 1));
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 0);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 1);
	/* Other configuration bytes are not the driver's: capacity stays. */
	CHECK(vccw_virtio_write_config(vdev, VCCW_VIRTIO_BLK_CFG_CAPACITY, &one, 1));
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_CAPACITY), (DISK_SECTORS & 0xff));
	CHECK(vccw_virtio_write_config(vdev, VCCW_VIRTIO_BLK_CFG_WRITEBACK, &one, 1));
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 1);
	/* A reset returns to the configured mode. */
	CHECK(vccw_virtio_write_config(vdev, VCCW_VIRTIO_BLK_CFG_WRITEBACK, &zero, 1));
	vccw_virtio_reset(vdev);
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 1);
	mem_close(&m);

	/* Configured writethrough: writeback reads 0 from the start. */
	cfg = (struct vccw_blk_config){ .writethrough = true };
	if (!mem_open(&m, &cfg, ALL_FEATURES))
		goto out;
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 0);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 1);
out:
	mem_close(&m);
}

TEST(test_blk_cache_mode_follows_flush_without_config_wce)
{
	uint64_t no_wce = ALL_FEATURES & ~VCCW_BIT(VCCW_VIRTIO_BLK_F_CONFIG_WCE);
	uint64_t no_flush = ALL_FEATURES & ~VCCW_BIT(VCCW_VIRTIO_BLK_F_FLUSH);
	struct vccw_blk_config cfg = { .writethrough = true };
	uint8_t buf[512] = { 2 }, zero = 0;
	struct memfix m;

	/* FLUSH without CONFIG_WCE: writeback even when configured writethrough (QEMU). */
	if (!mem_open(&m, &cfg, no_wce))
		goto out;
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 1);
	/* Without CONFIG_WCE the field is read-only. */
	CHECK(vccw_virtio_write_config(vccw_blk_vdev(m.blk), VCCW_VIRTIO_BLK_CFG_WRITEBACK, &zero,
				       1));
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 1);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 0);
	mem_close(&m);

	/* Neither: writethrough, the write is flushed before it completes. */
	cfg.writethrough = false;
	if (!mem_open(&m, &cfg, no_wce & no_flush))
		goto out;
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 0);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 1);
	mem_close(&m);

	/* 5.2.5: CONFIG_WCE without FLUSH must start at writeback 0. */
	if (!mem_open(&m, &cfg, no_flush))
		goto out;
	CHECK_EQ(cfg_byte(&m, VCCW_VIRTIO_BLK_CFG_WRITEBACK), 0);
	CHECK_EQ(req(&m.f, VCCW_VIRTIO_BLK_T_OUT, 0, buf, 512, NULL, 0, NULL),
		 VCCW_VIRTIO_BLK_S_OK);
	CHECK_EQ(m.mb.flushes, 1);
out:
	mem_close(&m);
}

/* ---- aio=io_uring: the same answers, with requests in flight together ---- */

/* The behaviour tests above, once more with the backend on io_uring. */
TEST(test_blk_io_uring_same_answers)
{
	if (!vccw_be_blk_have_io_uring()) {
		test_skip("this build has no liburing (install liburing-dev)");
		return;
	}
	fix_aio = VCCW_BE_BLK_AIO_IO_URING;
	test_blk_out_then_in_round_trip_through_file();
	test_blk_in_reads_what_the_host_wrote();
	test_blk_readonly_drive_offers_ro_and_rejects_writes_ioerr();
	test_blk_out_of_range_sector_ioerr();
	test_blk_data_not_multiple_of_512_ioerr();
	test_blk_flush_ok();
	test_blk_get_id_returns_nul_padded_serial();
	test_blk_unknown_type_unsupp();
	test_blk_discard_deallocates_range();
	test_blk_write_zeroes_with_and_without_unmap();
	test_blk_header_split_across_three_descriptors();
	test_blk_legacy_big_endian_header_and_config();
	test_blk_multiqueue_serves_every_queue();
	test_blk_request_without_status_byte_needs_reset();
	fix_aio = VCCW_BE_BLK_AIO_THREADS;
}

/*
 * Eight writes made available before one kick, then eight reads: every request is
 * used with status OK and its own used length, in whatever order they complete, and
 * the data is where the requests said. Without FLUSH negotiated (write-through,
 * 5.2.6.2) each write is stable before it is used.
 */
static void in_flight_together(uint64_t accept)
{
	enum { N = 8, LEN = 1024 };
	struct blkfix f;
	struct vdrv *d = &f.d;
	uint64_t areas[N], st[N];
	uint8_t data[N][LEN], back[LEN], hdr[16], status;
	bool seen[N];
	unsigned int i, k;
	uint16_t heads[N], id;
	uint32_t len;

	fix_aio = VCCW_BE_BLK_AIO_IO_URING;
	REQUIRE(fix_open(&f, false, accept, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), 1));
	for (k = 0; k < 2; k++) {
		bool write = k == 0;

		vdrv_reset_bufs(d);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < N; i++) {
			struct vdrv_seg segs[2];

			memset(hdr, 0, sizeof(hdr));
			vdrv_st32(d, hdr, write ? VCCW_VIRTIO_BLK_T_OUT : VCCW_VIRTIO_BLK_T_IN);
			vdrv_st64(d, hdr + 8, 16 + 4 * i);
			pattern(data[i], LEN, (uint8_t)(i * 17 + 1));
			areas[i] = vdrv_alloc(d, 16 + LEN);
			st[i] = vdrv_alloc(d, LEN + 1);
			vccw_mem_write(d->mem, areas[i], hdr, 16);
			if (write) {
				vccw_mem_write(d->mem, areas[i] + 16, data[i], LEN);
				segs[0] = (struct vdrv_seg){ areas[i], 16 + LEN, false };
				segs[1] = (struct vdrv_seg){ st[i], 1, true };
			} else {
				segs[0] = (struct vdrv_seg){ areas[i], 16, false };
				segs[1] = (struct vdrv_seg){ st[i], LEN + 1, true };
			}
			vccw_mem_fill(d->mem, st[i], 0xee, LEN + 1);
			heads[i] = vdrv_add(d, 0, segs, 2);
		}
		vdrv_kick(d, 0);
		for (i = 0; i < N; i++) {
			unsigned int j;

			REQUIRE(vdrv_wait_used(d, 0, &id, &len));
			for (j = 0; j < N && heads[j] != id; j++)
				;
			REQUIRE(j < N);
			CHECK(!seen[j]);
			seen[j] = true;
			CHECK_EQ(len, write ? 1 : LEN + 1);
			vccw_mem_read(d->mem, st[j] + (write ? 0 : LEN), &status, 1);
			CHECK_EQ(status, VCCW_VIRTIO_BLK_S_OK);
			if (!write) {
				vccw_mem_read(d->mem, st[j], back, LEN);
				CHECK(memcmp(back, data[j], LEN) == 0);
			} else {
				CHECK(host_is(&f, (uint64_t)(16 + 4 * j) * 512, data[j], LEN));
			}
		}
	}
	fix_close(&f);
	fix_aio = VCCW_BE_BLK_AIO_THREADS;
}

TEST(test_blk_io_uring_requests_in_flight_together)
{
	if (!vccw_be_blk_have_io_uring()) {
		test_skip("this build has no liburing (install liburing-dev)");
		return;
	}
	in_flight_together(ALL_FEATURES);
	in_flight_together(ALL_FEATURES & ~VCCW_BIT(VCCW_VIRTIO_BLK_F_FLUSH));
}

/* ---- iothreads: several devices, every queue, served on one shared thread ---- */

/* A device of two queues that notes which thread served each queue. */
struct who {
	struct vccw_virtio_dev vdev; /* first member */
	pthread_t served_by[2];
	unsigned int served[2]; /* atomic */
};

static uint16_t who_queue_max(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	(void)vdev;
	return idx < 2 ? VDRV_QSIZE : 0;
}

static void who_queue_notify(struct vccw_virtio_dev *vdev, unsigned int idx)
{
	struct who *w = container_of(vdev, struct who, vdev);

	while (vccw_virtio_pop(vdev, idx, vdev->elem) == 1) {
		w->served_by[idx] = pthread_self();
		__atomic_add_fetch(&w->served[idx], 1, __ATOMIC_SEQ_CST);
		vccw_virtio_push(vdev, idx, vdev->elem, 0);
	}
}

static const struct vccw_virtio_dev_ops who_ops = {
	.name = "who",
	.device_id = VCCW_VIRTIO_ID_RNG,
	.queue_max = who_queue_max,
	.queue_notify = who_queue_notify,
};

/* One request on each queue of @w; true when each came back used. */
static bool who_ping(struct vdrv *d)
{
	struct vdrv_seg seg;
	uint16_t id;
	uint32_t len;
	unsigned int q;

	for (q = 0; q < 2; q++) {
		seg = (struct vdrv_seg){ vdrv_alloc(d, 16), 16, true };
		vdrv_add(d, q, &seg, 1);
		vdrv_kick(d, q);
		if (!vdrv_wait_used(d, q, &id, &len))
			return false;
	}
	return true;
}

/*
 * Two disks of three queues and a recording device share one iothread (QEMU's
 * -object iothread with iothread= on each device): writes on every queue of both disks
 * are in flight together, each read back on another queue, and every queue of the
 * recording device was served on the iothread's thread, while a device without an
 * iothread is served on a thread of its own. Mutation: vccw_virtio_dev_init_iothread()
 * ignoring @iot (a thread per device) fails the thread checks.
 */
static void iothread_shared(enum vccw_be_blk_aio aio)
{
	enum { NQ = 3, LEN = 4096 };
	struct vccw_err err = { 0 };
	struct vccw_iothread *iot;
	struct blkfix f[2];
	struct who w, own;
	struct vdrv wd, ownd;
	struct vccw_mem *wmem, *ownmem;
	uint8_t data[2][NQ][LEN], back[LEN];
	unsigned int i, q;

	iot = vccw_iothread_new(0, &err);
	REQUIRE(iot);
	fix_aio = aio;
	fix_iothread = iot;
	REQUIRE(fix_open(&f[0], false, ALL_FEATURES, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), NQ));
	REQUIRE(fix_open(&f[1], false, ALL_FEATURES, VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), NQ));
	fix_iothread = NULL;
	fix_aio = VCCW_BE_BLK_AIO_THREADS;
	memset(&w, 0, sizeof(w));
	memset(&own, 0, sizeof(own));
	wmem = vdrv_mem();
	ownmem = vdrv_mem();
	REQUIRE(wmem && ownmem);
	REQUIRE(vccw_virtio_dev_init_iothread(&w.vdev, &who_ops, wmem,
					      VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), iot, &err) == 0);
	REQUIRE(vccw_virtio_dev_init(&own.vdev, &who_ops, ownmem,
				     VCCW_BIT(VCCW_VIRTIO_F_VERSION_1), &err) == 0);
	CHECK_EQ(vccw_iothread_nr_devices(iot), 3);
	REQUIRE(vdrv_start(&wd, wmem, &w.vdev, ALL_FEATURES, 2));
	REQUIRE(vdrv_start(&ownd, ownmem, &own.vdev, ALL_FEATURES, 2));

	/* A write on every queue of both disks, all made available before any kick. */
	for (i = 0; i < 2; i++) {
		struct vdrv *d = &f[i].d;

		vdrv_reset_bufs(d);
		for (q = 0; q < NQ; q++) {
			uint8_t hdr[16] = { 0 };
			struct vdrv_seg segs[2];
			uint64_t a = vdrv_alloc(d, 16 + LEN), st = vdrv_alloc(d, 1);

			pattern(data[i][q], LEN, (uint8_t)(i * 40 + q * 7 + 3));
			vdrv_st32(d, hdr, VCCW_VIRTIO_BLK_T_OUT);
			vdrv_st64(d, hdr + 8, 64 + q * 8);
			vccw_mem_write(d->mem, a, hdr, 16);
			vccw_mem_write(d->mem, a + 16, data[i][q], LEN);
			segs[0] = (struct vdrv_seg){ a, 16 + LEN, false };
			segs[1] = (struct vdrv_seg){ st, 1, true };
			vdrv_add(d, q, segs, 2);
		}
	}
	for (q = 0; q < NQ; q++) {
		vdrv_kick(&f[0].d, q);
		vdrv_kick(&f[1].d, q);
	}
	for (i = 0; i < 2; i++) {
		for (q = 0; q < NQ; q++) {
			uint16_t id;
			uint32_t len;

			CHECK(vdrv_wait_used(&f[i].d, q, &id, &len));
			CHECK(host_is(&f[i], (uint64_t)(64 + q * 8) * 512, data[i][q], LEN));
		}
	}
	/* Each block read back through the next queue. */
	for (i = 0; i < 2; i++) {
		for (q = 0; q < NQ; q++) {
			CHECK_EQ(req_q(&f[i], (q + 1) % NQ, VCCW_VIRTIO_BLK_T_IN, 64 + q * 8, NULL, 0,
				       back, LEN, LAYOUT_SEPARATE, NULL),
				 VCCW_VIRTIO_BLK_S_OK);
			CHECK(!memcmp(back, data[i][q], LEN));
		}
	}
	CHECK(who_ping(&wd));
	CHECK(who_ping(&ownd));
	for (q = 0; q < 2; q++) {
		/* The counts (atomic) order the served_by stores before these reads. */
		CHECK(__atomic_load_n(&w.served[q], __ATOMIC_SEQ_CST) == 1);
		CHECK(__atomic_load_n(&own.served[q], __ATOMIC_SEQ_CST) == 1);
		CHECK_MSG(pthread_equal(w.served_by[q], vccw_iothread_thread(iot)),
			  "queue %u of a device with iothread= served on another thread", q);
		CHECK_MSG(!pthread_equal(own.served_by[q], vccw_iothread_thread(iot)),
			  "queue %u of a device without iothread= served on the iothread", q);
	}
	CHECK(pthread_equal(own.served_by[0], own.served_by[1]));

	vccw_virtio_dev_fini(&own.vdev);
	vccw_virtio_dev_fini(&w.vdev);
	fix_close(&f[0]);
	CHECK_EQ(vccw_iothread_nr_devices(iot), 1);
	fix_close(&f[1]);
	CHECK_EQ(vccw_iothread_nr_devices(iot), 0);
	vccw_iothread_free(iot);
	vccw_mem_free(wmem);
	vccw_mem_free(ownmem);
}

TEST(test_blk_iothread_shared_by_devices_serves_every_queue)
{
	iothread_shared(VCCW_BE_BLK_AIO_THREADS);
	if (!vccw_be_blk_have_io_uring()) {
		test_skip("this build has no liburing (install liburing-dev): io_uring half");
		return;
	}
	iothread_shared(VCCW_BE_BLK_AIO_IO_URING);
}

/* 64 queues (virtio-ccw's limit) are accepted, 65 refused with the limit named. */
TEST(test_blk_num_queues_limit_is_virtio_ccw_64)
{
	struct vccw_be_blk fake = { .size = 4096, .block_size = 512 };
	struct vccw_blk_config cfg = { .backend = &fake, .num_queues = 65 };
	struct vccw_err err = { 0 };
	struct vccw_mem *mem = vdrv_mem();
	struct vccw_blk *blk;

	CHECK(!vccw_blk_new(mem, &cfg, 0, &err));
	CHECK_MSG(strstr(err.msg, "at most 64"), "message: %s", err.msg);
	cfg.num_queues = 64;
	blk = vccw_blk_new(mem, &cfg, 0, &err);
	CHECK_MSG(blk, "64 queues: %s", err.msg);
	if (blk) {
		CHECK_EQ(vccw_virtio_queue_max(vccw_blk_vdev(blk), 63), 256);
		CHECK_EQ(vccw_virtio_queue_max(vccw_blk_vdev(blk), 64), 0);
	}
	vccw_blk_free(blk);
	vccw_mem_free(mem);
}
