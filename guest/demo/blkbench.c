// SPDX-License-Identifier: MIT
/*
 * blkbench: a guest-side load generator for virtio-blk (-kernel native:blkbench in
 * vccw-vm, build/s390x/blkbench.elf bare-metal). It keeps requests in flight on one or
 * more request queues (VIRTIO_BLK_F_MQ) of the first disk and prints, on the console,
 * operations, bytes moved, IOPS, bandwidth and completion latency percentiles.
 *
 * Arguments come from the kernel command line (-append, guest_arch_cmdline()), words
 * key=value separated by spaces or commas:
 *   rw=randread|randwrite|read|write   pattern (default randread)
 *   bs=N[k|m]        block size in bytes, a multiple of 512 up to 64k (default 4k)
 *   qd=N             requests in flight per queue (default 32, at most 128)
 *   queues=N         request queues used (default 1; at most what the disk offers)
 *   ops=N            operations measured (default 20000)
 *   size=N[k|m|g]    region of the disk used, from sector 0 (default min(disk, 64m))
 * A bad word ends the program with status 2. Every 512-byte sector written carries a
 * stamp (magic, block number, sector in the block, pass): before a read test the region
 * is written once with stamps (not measured) and every read checks the stamp of the
 * block it asked for; after a write test every block the test wrote is read back and
 * checked. Other data than was written ends the program with status 1.
 *
 * Output lines (stable for scripts):
 *   blkbench: rw=... bs=... qd=... queues=... ops=... blocks=...
 *   blkbench: ops N bytes N time_us N
 *   blkbench: iops N bw_kib_s N lat_p50_us N lat_p99_us N
 *   blkbench: verify ok N   (blocks whose stamp was checked)
 */
#include "guest/arch.h"
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"

#define BB_MAX_QD 128u
#define BB_MAX_BS (64u * 1024)
#define BB_TIMEOUT_US 10000000u
#define BB_STAMP 0x56434357424b424eull /* "VCCWBKBN" */

int guest_blkbench_main(void);

enum bb_rw { BB_RANDREAD, BB_RANDWRITE, BB_READ, BB_WRITE };

/* What a read checks: the fill pass's stamp, or (read-back) what the test wrote. */
enum bb_check { BB_CHECK_NONE, BB_CHECK_FILL, BB_CHECK_WRITTEN };

struct bb_args {
	enum bb_rw rw;
	uint32_t bs, qd, queues;
	uint64_t ops, size;
};

struct bb_slot {
	struct guest_blk_req *req;
	uint8_t *buf;
	uint64_t block;
	uint64_t t0;
	unsigned int q;
};

struct bb {
	struct bb_args a;
	struct guest_blk *blk;
	uint64_t blocks;      /* blocks of bs bytes in the region */
	uint32_t pass;        /* stamp of the writes of this phase: 1 fill, 2 measured */
	uint64_t next_seq;    /* sequential pattern: next block */
	uint64_t rng;         /* xorshift state */
	uint64_t started, done;
	uint64_t checked;     /* stamps verified */
	uint8_t *written;     /* bitmap: blocks written by the measured phase */
	struct bb_slot *slots; /* queues * qd */
};

static bool parse_num(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	size_t i;

	if (!n)
		return false;
	switch (s[n - 1]) {
	case 'k': case 'K': mul = 1024; n--; break;
	case 'm': case 'M': mul = 1024 * 1024; n--; break;
	case 'g': case 'G': mul = 1024ull * 1024 * 1024; n--; break;
	default: break;
	}
	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT64_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	size_t l = guest_strlen(lit);

	return n == l && !guest_memcmp(w, lit, n);
}

static void bad_word(const char *w, size_t n)
{
	char word[64];
	size_t l = n < sizeof(word) - 1 ? n : sizeof(word) - 1;

	guest_memcpy(word, w, l);
	word[l] = 0;
	guest_printf("blkbench: bad argument '%s' (rw=randread|randwrite|read|write bs=N "
		     "qd=1-%u queues=1-%u ops=N size=N)\n", word, BB_MAX_QD,
		     GUEST_BLK_MAX_QUEUES);
}

/* One key=value word into @a. */
static bool parse_word(const char *w, size_t n, struct bb_args *a)
{
	const char *eq = w;
	size_t kn, vn;
	uint64_t v = 0;

	while (eq < w + n && *eq != '=')
		eq++;
	if (eq == w + n)
		return false;
	kn = (size_t)(eq - w);
	vn = n - kn - 1;
	if (word_is(w, kn, "rw")) {
		if (word_is(eq + 1, vn, "randread"))
			a->rw = BB_RANDREAD;
		else if (word_is(eq + 1, vn, "randwrite"))
			a->rw = BB_RANDWRITE;
		else if (word_is(eq + 1, vn, "read"))
			a->rw = BB_READ;
		else if (word_is(eq + 1, vn, "write"))
			a->rw = BB_WRITE;
		else
			return false;
		return true;
	}
	if (!parse_num(eq + 1, vn, &v) || !v)
		return false;
	if (word_is(w, kn, "bs") && v % 512 == 0 && v <= BB_MAX_BS)
		a->bs = (uint32_t)v;
	else if (word_is(w, kn, "qd") && v <= BB_MAX_QD)
		a->qd = (uint32_t)v;
	else if (word_is(w, kn, "queues") && v <= GUEST_BLK_MAX_QUEUES)
		a->queues = (uint32_t)v;
	else if (word_is(w, kn, "ops") && v <= 100000000)
		a->ops = v;
	else if (word_is(w, kn, "size"))
		a->size = v;
	else
		return false;
	return true;
}

/* Parse the command line into @a. Returns false (after a message) on a bad word. */
static bool parse_args(const char *cl, struct bb_args *a)
{
	a->rw = BB_RANDREAD;
	a->bs = 4096;
	a->qd = 32;
	a->queues = 1;
	a->ops = 20000;
	a->size = 64ull << 20;
	while (*cl) {
		size_t n = 0;

		while (cl[n] && cl[n] != ' ' && cl[n] != ',')
			n++;
		if (n && !parse_word(cl, n, a)) {
			bad_word(cl, n);
			return false;
		}
		cl += cl[n] ? n + 1 : n;
	}
	return true;
}

static uint64_t next_block(struct bb *b, bool random)
{
	uint64_t x;

	if (!random)
		return b->next_seq++ % b->blocks;
	/* xorshift64: the same sequence on every run. */
	x = b->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b->rng = x;
	return x % b->blocks;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Every 512-byte sector of a block: stamp, block number, sector in block and pass. */
static void stamp(uint8_t *buf, uint32_t bs, uint64_t block, uint32_t pass)
{
	uint32_t s;

	for (s = 0; s < bs / 512; s++) {
		put_be64(buf + s * 512, BB_STAMP);
		put_be64(buf + s * 512 + 8, block);
		put_be64(buf + s * 512 + 16, ((uint64_t)s << 32) | pass);
	}
}

static bool stamp_ok(const uint8_t *buf, uint32_t bs, uint64_t block, uint32_t pass)
{
	uint32_t s;

	for (s = 0; s < bs / 512; s++) {
		uint64_t w = get_be64(buf + s * 512 + 16);

		if (get_be64(buf + s * 512) != BB_STAMP || get_be64(buf + s * 512 + 8) != block ||
		    (w >> 32) != s || (uint32_t)w != pass)
			return false;
	}
	return true;
}

static bool was_written(const struct bb *b, uint64_t block)
{
	return b->written[block / 8] & (1u << (block % 8));
}

static int submit(struct bb *b, struct bb_slot *sl, bool write, bool random)
{
	int rc;

	sl->block = next_block(b, random);
	if (write) {
		stamp(sl->buf, b->a.bs, sl->block, b->pass);
		if (b->pass == 2)
			b->written[sl->block / 8] |= (uint8_t)(1u << (sl->block % 8));
	}
	sl->t0 = guest_arch_now_us();
	rc = guest_blk_submit(b->blk, sl->q, sl->req, write, sl->block * (b->a.bs / 512),
			      sl->buf, b->a.bs);
	if (rc < 0) {
		guest_printf("blkbench: submit on queue %u: error %d\n", sl->q, rc);
		return rc;
	}
	b->started++;
	return 0;
}

/* A completed read: the stamp it must carry, per @check. */
static bool check_read(struct bb *b, const struct bb_slot *sl, enum bb_check check)
{
	uint32_t pass;

	if (check == BB_CHECK_NONE)
		return true;
	if (check == BB_CHECK_WRITTEN && !was_written(b, sl->block))
		return true;
	pass = check == BB_CHECK_FILL ? 1 : 2;
	if (!stamp_ok(sl->buf, b->a.bs, sl->block, pass)) {
		guest_printf("blkbench: block %llu: read returned other data than was written\n",
			     (unsigned long long)sl->block);
		return false;
	}
	b->checked++;
	return true;
}

/*
 * Run @total operations with qd requests in flight on each queue; @lat (may be NULL)
 * receives each completion latency in microseconds. Returns false on an error.
 */
static bool run_phase(struct bb *b, uint64_t total, bool write, bool random, uint32_t *lat,
		      enum bb_check check)
{
	unsigned int nslots = b->a.queues * b->a.qd, i, q;
	uint64_t last_progress = guest_arch_now_us();

	b->started = b->done = 0;
	for (i = 0; i < nslots && b->started < total; i++) {
		if (submit(b, &b->slots[i], write, random) < 0)
			return false;
	}
	for (q = 0; q < b->a.queues; q++)
		guest_blk_kick(b->blk, q);
	while (b->done < total) {
		bool any = false;

		for (q = 0; q < b->a.queues; q++) {
			struct guest_blk_req *r;
			bool submitted = false;

			while ((r = guest_blk_reap(b->blk, q, 0))) {
				struct bb_slot *sl = r->priv;
				uint64_t now = guest_arch_now_us();

				any = true;
				if (guest_blk_req_result(r) < 0) {
					guest_printf("blkbench: block %llu: I/O error (status %u, "
						     "used %u)\n", (unsigned long long)sl->block,
						     r->status, r->used);
					return false;
				}
				if (!write && !check_read(b, sl, check))
					return false;
				if (lat)
					lat[b->done] = (uint32_t)(now - sl->t0);
				b->done++;
				if (b->started < total) {
					if (submit(b, sl, write, random) < 0)
						return false;
					submitted = true;
				}
			}
			if (submitted)
				guest_blk_kick(b->blk, q);
		}
		if (any) {
			last_progress = guest_arch_now_us();
			continue;
		}
		if (guest_arch_now_us() - last_progress > BB_TIMEOUT_US) {
			guest_printf("blkbench: no completion for %u s (%llu of %llu done)\n",
				     BB_TIMEOUT_US / 1000000, (unsigned long long)b->done,
				     (unsigned long long)total);
			return false;
		}
		/* Any queue's used-buffer interruption wakes us; then all queues are looked at. */
		guest_arch_wait(1000);
	}
	return true;
}

/* Shell sort: a few tens of thousands of entries, once. */
static void sort_u32(uint32_t *v, uint64_t n)
{
	static const uint64_t gaps[] = { 10601, 4711, 1750, 701, 301, 132, 57, 23, 10, 4, 1 };
	unsigned int g;
	uint64_t i, j;

	for (g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
		for (i = gaps[g]; i < n; i++) {
			uint32_t t = v[i];

			for (j = i; j >= gaps[g] && v[j - gaps[g]] > t; j -= gaps[g])
				v[j] = v[j - gaps[g]];
			v[j] = t;
		}
	}
}

static const char *rw_name(enum bb_rw rw)
{
	switch (rw) {
	case BB_RANDREAD:
		return "randread";
	case BB_RANDWRITE:
		return "randwrite";
	case BB_READ:
		return "read";
	default:
		return "write";
	}
}

/* Slots (request, buffer) for qd requests on each queue. */
static bool alloc_slots(struct bb *b)
{
	unsigned int i, n = b->a.queues * b->a.qd;

	b->slots = guest_alloc(sizeof(*b->slots) * n, 8);
	if (!b->slots)
		return false;
	for (i = 0; i < n; i++) {
		b->slots[i].q = i / b->a.qd;
		b->slots[i].req = guest_blk_req_new();
		b->slots[i].buf = guest_alloc(b->a.bs, 4096);
		if (!b->slots[i].req || !b->slots[i].buf)
			return false;
		b->slots[i].req->priv = &b->slots[i];
	}
	return true;
}

int guest_blkbench_main(void)
{
	uint64_t t0, us, bytes;
	bool random, write;
	uint32_t *lat;
	struct bb b;

	guest_memset(&b, 0, sizeof(b));
	if (!parse_args(guest_arch_cmdline(), &b.a))
		return 2;
	if (guest_cio_init() < 0)
		return 1;
	guest_blk_register();
	b.blk = guest_blk_count() ? guest_blk_get(0) : NULL;
	if (!b.blk || !b.blk->capacity) {
		guest_printf("blkbench: no virtio-blk disk\n");
		return 1;
	}
	random = b.a.rw == BB_RANDREAD || b.a.rw == BB_RANDWRITE;
	write = b.a.rw == BB_RANDWRITE || b.a.rw == BB_WRITE;
	if (b.blk->ro) {
		guest_printf("blkbench: the disk is read-only (its blocks need stamps)\n");
		return 1;
	}
	if (b.a.queues > b.blk->nr_queues) {
		guest_printf("blkbench: queues=%u but the disk has %u request queue(s) "
			     "(num-queues)\n", b.a.queues, b.blk->nr_queues);
		return 2;
	}
	if (b.a.size > b.blk->capacity * 512)
		b.a.size = b.blk->capacity * 512;
	b.blocks = b.a.size / b.a.bs;
	if (!b.blocks) {
		guest_printf("blkbench: the disk holds no block of %u bytes\n", b.a.bs);
		return 1;
	}
	b.rng = 0x9e3779b97f4a7c15ull;
	lat = guest_alloc(sizeof(uint32_t) * b.a.ops, 8);
	b.written = guest_alloc(b.blocks / 8 + 1, 8);
	if (!lat || !b.written || !alloc_slots(&b)) {
		guest_printf("blkbench: out of guest memory (ops, qd x queues x bs)\n");
		return 1;
	}
	guest_printf("blkbench: rw=%s bs=%u qd=%u queues=%u ops=%llu blocks=%llu\n",
		     rw_name(b.a.rw), b.a.bs, b.a.qd, b.a.queues, (unsigned long long)b.a.ops,
		     (unsigned long long)b.blocks);

	/* Reads find stamped blocks: the region is written once first (not measured). */
	if (!write) {
		b.pass = 1;
		b.next_seq = 0;
		if (!run_phase(&b, b.blocks, true, false, NULL, BB_CHECK_NONE))
			return 1;
	}
	b.pass = 2;
	b.next_seq = 0;
	t0 = guest_arch_now_us();
	if (!run_phase(&b, b.a.ops, write, random, lat, BB_CHECK_FILL))
		return 1;
	us = guest_arch_now_us() - t0;
	if (!us)
		us = 1;
	bytes = b.a.ops * b.a.bs;
	sort_u32(lat, b.a.ops);
	guest_printf("blkbench: ops %llu bytes %llu time_us %llu\n", (unsigned long long)b.a.ops,
		     (unsigned long long)bytes, (unsigned long long)us);
	guest_printf("blkbench: iops %llu bw_kib_s %llu lat_p50_us %u lat_p99_us %u\n",
		     (unsigned long long)(b.a.ops * 1000000ull / us),
		     (unsigned long long)(bytes / 1024 * 1000000ull / us), lat[b.a.ops / 2],
		     lat[b.a.ops * 99 / 100]);

	/* After writes, every block this run wrote is read back and checked. */
	if (write) {
		b.next_seq = 0;
		if (!run_phase(&b, b.blocks, false, false, NULL, BB_CHECK_WRITTEN))
			return 1;
	}
	guest_printf("blkbench: verify ok %llu\n", (unsigned long long)b.checked);
	guest_cio_exit();
	return 0;
}
