// SPDX-License-Identifier: MIT
/*
 * Unit tests of lib/mem, the only layer that dereferences guest RAM. Most tests wrap a
 * host buffer of an odd size with guard bytes on both sides, so that every accepted
 * access can be checked byte by byte in the host buffer and every refused one can be
 * shown to have changed nothing, inside guest RAM or just outside it. The addresses
 * probed are the edges a range check gets wrong: 0, the last byte, one past it, and
 * addresses near UINT64_MAX where gaddr + len wraps around to a small number.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "vccw/mem.h"

/* Odd, so that no width or alignment lines up with the end by accident. */
#define RAM_SIZE 4099u
#define GUARD 64u
#define GUARD_BYTE 0xa5
#define FILL_BYTE 0x5a

struct fixture {
	uint8_t *buf; /* GUARD + RAM_SIZE + GUARD bytes */
	uint8_t *ram; /* buf + GUARD: what the guest sees as [0, RAM_SIZE) */
	uint8_t *snap;
	struct vccw_mem *mem;
};

static bool fixture_init(struct fixture *f)
{
	struct vccw_err err = { 0 };

	memset(f, 0, sizeof(*f));
	f->buf = malloc(GUARD + RAM_SIZE + GUARD);
	f->snap = malloc(GUARD + RAM_SIZE + GUARD);
	if (!f->buf || !f->snap)
		return false;
	memset(f->buf, GUARD_BYTE, GUARD + RAM_SIZE + GUARD);
	f->ram = f->buf + GUARD;
	memset(f->ram, FILL_BYTE, RAM_SIZE);
	f->mem = vccw_mem_wrap(f->ram, RAM_SIZE, &err);
	CHECK_MSG(f->mem, "vccw_mem_wrap: %s", err.msg);
	return f->mem != NULL;
}

static void fixture_fini(struct fixture *f)
{
	unsigned int i;

	vccw_mem_free(f->mem);
	if (f->buf) {
		/* No access may ever reach outside guest RAM, accepted or not. */
		for (i = 0; i < GUARD; i++) {
			CHECK_EQ(f->buf[i], GUARD_BYTE);
			CHECK_EQ(f->buf[GUARD + RAM_SIZE + i], GUARD_BYTE);
		}
	}
	free(f->buf);
	free(f->snap);
}

static void snapshot(struct fixture *f)
{
	memcpy(f->snap, f->buf, GUARD + RAM_SIZE + GUARD);
}

static bool unchanged(const struct fixture *f)
{
	return memcmp(f->snap, f->buf, GUARD + RAM_SIZE + GUARD) == 0;
}

/* ---- One table row per load/store width and byte order ---- */

static uint64_t width_mask(unsigned int len)
{
	return len == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * len)) - 1;
}

struct access {
	const char *name;
	unsigned int len;
	bool big_endian;
	enum vccw_mem_rc (*ld)(const struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t *val);
	enum vccw_mem_rc (*st)(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t val);
};

#define ACCESSORS(name, type)                                                                      \
	static enum vccw_mem_rc ld_##name(const struct vccw_mem *mem, vccw_gaddr_t gaddr,          \
					  uint64_t *val)                                           \
	{                                                                                          \
		/* Start from the caller's value: a failed load must leave it alone. */            \
		type v = (type)*val;                                                               \
		enum vccw_mem_rc rc = vccw_mem_ld_##name(mem, gaddr, &v);                          \
		*val = (*val & ~width_mask(sizeof(type))) | v;                                     \
		return rc;                                                                         \
	}                                                                                          \
	static enum vccw_mem_rc st_##name(struct vccw_mem *mem, vccw_gaddr_t gaddr, uint64_t val)  \
	{                                                                                          \
		return vccw_mem_st_##name(mem, gaddr, (type)val);                                  \
	}

ACCESSORS(u8, uint8_t)
ACCESSORS(be16, uint16_t)
ACCESSORS(be32, uint32_t)
ACCESSORS(be64, uint64_t)
ACCESSORS(le16, uint16_t)
ACCESSORS(le32, uint32_t)
ACCESSORS(le64, uint64_t)

static const struct access accesses[] = {
	{ "u8", 1, true, ld_u8, st_u8 },
	{ "be16", 2, true, ld_be16, st_be16 },
	{ "be32", 4, true, ld_be32, st_be32 },
	{ "be64", 8, true, ld_be64, st_be64 },
	{ "le16", 2, false, ld_le16, st_le16 },
	{ "le32", 4, false, ld_le32, st_le32 },
	{ "le64", 8, false, ld_le64, st_le64 },
};

/* Distinct bytes with the top bit set at every width, so sign extension would show. */
#define PATTERN UINT64_C(0x8192a3b4c5d6e7f8)

/* Byte @i (0 = lowest address) of @val stored with @a's width and byte order. */
static uint8_t wire_byte(const struct access *a, uint64_t val, unsigned int i)
{
	unsigned int shift = a->big_endian ? 8 * (a->len - 1 - i) : 8 * i;

	return (uint8_t)(val >> shift);
}

/* ---- Creation ---- */

TEST(test_mem_new_size_0_fails_with_message)
{
	struct vccw_err err = { 0 };
	struct vccw_mem *mem = vccw_mem_new(0, &err);

	CHECK(mem == NULL);
	vccw_mem_free(mem);
	CHECK_EQ(err.code, -EINVAL);
	CHECK_MSG(err.msg[0] != '\0', "no error message");
	CHECK_MSG(strstr(err.msg, "size") != NULL, "message does not name the size: \"%s\"",
		  err.msg);
	CHECK_MSG(strchr(err.msg, '\n') == NULL, "message has a newline: \"%s\"", err.msg);
}

TEST(test_mem_new_error_record_is_optional)
{
	CHECK(vccw_mem_new(0, NULL) == NULL);
	CHECK(vccw_mem_new(UINT64_MAX, NULL) == NULL);
}

TEST(test_mem_new_huge_size_fails)
{
	struct vccw_err err = { 0 };

	CHECK(vccw_mem_new(UINT64_MAX, &err) == NULL);
	CHECK(err.code < 0);
	CHECK(err.msg[0] != '\0');
}

TEST(test_mem_new_is_zeroed_and_sized)
{
	const uint64_t size = 1 << 20;
	struct vccw_err err = { 0 };
	struct vccw_mem *mem = vccw_mem_new(size, &err);
	uint8_t buf[4096];
	uint64_t off;
	size_t i;

	REQUIRE(mem);
	CHECK_EQ(vccw_mem_size(mem), size);
	for (off = 0; off < size; off += sizeof(buf)) {
		memset(buf, 0xff, sizeof(buf));
		CHECK_EQ(vccw_mem_read(mem, off, buf, sizeof(buf)), VCCW_MEM_OK);
		for (i = 0; i < sizeof(buf); i++) {
			if (buf[i]) {
				CHECK_MSG(false, "byte 0x%" PRIx64 " is 0x%x", off + i, buf[i]);
				break;
			}
		}
	}
	CHECK_EQ(vccw_mem_st_be64(mem, size - 8, PATTERN), VCCW_MEM_OK);
	CHECK_EQ(vccw_mem_st_be64(mem, size - 7, PATTERN), VCCW_MEM_ADDRESSING);
	vccw_mem_free(mem);
}

/* _free(NULL) is a no-op (STYLE 8): run it in a child, which must exit normally. */
TEST(test_mem_free_null_is_noop)
{
	int status = 0;
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		vccw_mem_free(NULL);
		_exit(0);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
}

TEST(test_mem_wrap_rejects_null_host_and_size_0)
{
	struct vccw_err err = { 0 };
	uint8_t byte;

	CHECK(vccw_mem_wrap(NULL, 4096, &err) == NULL);
	CHECK_EQ(err.code, -EINVAL);
	CHECK(err.msg[0] != '\0');

	memset(&err, 0, sizeof(err));
	CHECK(vccw_mem_wrap(&byte, 0, &err) == NULL);
	CHECK_EQ(err.code, -EINVAL);
	CHECK(err.msg[0] != '\0');

	CHECK(vccw_mem_wrap(NULL, 0, NULL) == NULL);
}

TEST(test_mem_wrap_rejects_misaligned_host)
{
	uint64_t words[4];
	struct vccw_err err = { 0 };
	struct vccw_mem *mem;
	unsigned int off;

	/* The atomic helpers need aligned guest fields to be aligned host fields. */
	for (off = 1; off < 8; off++) {
		memset(&err, 0, sizeof(err));
		CHECK_MSG(vccw_mem_wrap((uint8_t *)words + off, 16, &err) == NULL,
			  "host buffer at offset %u accepted", off);
		CHECK_EQ(err.code, -EINVAL);
	}
	mem = vccw_mem_wrap(words, sizeof(words), &err);
	CHECK(mem != NULL);
	vccw_mem_free(mem);
}

TEST(test_mem_wrap_shares_host_buffer)
{
	struct fixture f;

	REQUIRE(fixture_init(&f));
	CHECK_EQ(vccw_mem_size(f.mem), RAM_SIZE);

	/* Writes through mem land in the host buffer at the same offset, and back. */
	CHECK_EQ(vccw_mem_st_u8(f.mem, 17, 0x42), VCCW_MEM_OK);
	CHECK_EQ(f.ram[17], 0x42);
	f.ram[RAM_SIZE - 1] = 0x99;
	{
		uint8_t v = 0;

		CHECK_EQ(vccw_mem_ld_u8(f.mem, RAM_SIZE - 1, &v), VCCW_MEM_OK);
		CHECK_EQ(v, 0x99);
	}
	/* Freeing a wrapped mem must leave the host buffer alone (fini re-reads it). */
	vccw_mem_free(f.mem);
	f.mem = NULL;
	CHECK_EQ(f.ram[17], 0x42);
	f.ram[17] = FILL_BYTE;
	fixture_fini(&f);
}

/* ---- valid() ---- */

TEST(test_mem_valid_bounds)
{
	struct fixture f;

	REQUIRE(fixture_init(&f));
	CHECK(vccw_mem_valid(f.mem, 0, 1));
	CHECK(vccw_mem_valid(f.mem, 0, RAM_SIZE));
	CHECK(vccw_mem_valid(f.mem, RAM_SIZE - 1, 1));
	CHECK(!vccw_mem_valid(f.mem, RAM_SIZE, 1));
	CHECK(!vccw_mem_valid(f.mem, 0, RAM_SIZE + 1));
	CHECK(!vccw_mem_valid(f.mem, 1, RAM_SIZE));
	CHECK(!vccw_mem_valid(f.mem, RAM_SIZE - 1, 2));
	/* gaddr + len wraps to a small number: a naive end check would accept these. */
	CHECK(!vccw_mem_valid(f.mem, UINT64_MAX - 3, 8));
	CHECK(!vccw_mem_valid(f.mem, UINT64_MAX, 2));
	CHECK(!vccw_mem_valid(f.mem, 1, UINT64_MAX));
	CHECK(!vccw_mem_valid(f.mem, 0, UINT64_MAX));
	CHECK(!vccw_mem_valid(f.mem, UINT64_MAX, UINT64_MAX));
	fixture_fini(&f);
}

TEST(test_mem_valid_zero_length_always_valid)
{
	struct fixture f;

	/* mem.h: "@len 0 is always valid", wherever it points. */
	REQUIRE(fixture_init(&f));
	CHECK(vccw_mem_valid(f.mem, 0, 0));
	CHECK(vccw_mem_valid(f.mem, RAM_SIZE - 1, 0));
	CHECK(vccw_mem_valid(f.mem, RAM_SIZE, 0));
	CHECK(vccw_mem_valid(f.mem, RAM_SIZE + 1, 0));
	CHECK(vccw_mem_valid(f.mem, UINT64_MAX, 0));
	fixture_fini(&f);
}

/* ---- Field loads and stores ---- */

TEST(test_mem_ldst_bounds_every_width)
{
	const uint64_t bad[] = { RAM_SIZE, RAM_SIZE + 1, UINT64_MAX - 7, UINT64_MAX - 3,
				 UINT64_MAX - 1, UINT64_MAX };
	struct fixture f;
	unsigned int i, j;

	REQUIRE(fixture_init(&f));
	for (i = 0; i < VCCW_ARRAY_SIZE(accesses); i++) {
		const struct access *a = &accesses[i];
		const uint64_t good[] = { 0, 1, RAM_SIZE - a->len };
		uint64_t val;

		for (j = 0; j < VCCW_ARRAY_SIZE(good); j++) {
			CHECK_MSG(a->st(f.mem, good[j], PATTERN) == VCCW_MEM_OK,
				  "st_%s at 0x%" PRIx64, a->name, good[j]);
			val = 0;
			CHECK_MSG(a->ld(f.mem, good[j], &val) == VCCW_MEM_OK, "ld_%s at 0x%" PRIx64,
				  a->name, good[j]);
		}
		memset(f.ram, FILL_BYTE, RAM_SIZE);
		snapshot(&f);
		/* One byte past the end, the end itself, and addresses where the sum wraps. */
		for (j = 0; j <= VCCW_ARRAY_SIZE(bad); j++) {
			uint64_t gaddr = j < VCCW_ARRAY_SIZE(bad) ? bad[j] : RAM_SIZE - a->len + 1;

			CHECK_MSG(a->st(f.mem, gaddr, PATTERN) == VCCW_MEM_ADDRESSING,
				  "st_%s at 0x%" PRIx64 " accepted", a->name, gaddr);
			CHECK_MSG(unchanged(&f), "st_%s at 0x%" PRIx64 " wrote memory", a->name,
				  gaddr);
			val = 0x1122334455667788;
			CHECK_MSG(a->ld(f.mem, gaddr, &val) == VCCW_MEM_ADDRESSING,
				  "ld_%s at 0x%" PRIx64 " accepted", a->name, gaddr);
			CHECK_MSG(val == 0x1122334455667788,
				  "ld_%s at 0x%" PRIx64 " changed the result on failure", a->name,
				  gaddr);
		}
	}
	fixture_fini(&f);
}

TEST(test_mem_ldst_round_trip_and_byte_layout)
{
	struct fixture f;
	unsigned int i, j, k;

	REQUIRE(fixture_init(&f));
	for (i = 0; i < VCCW_ARRAY_SIZE(accesses); i++) {
		const struct access *a = &accesses[i];
		/* Aligned and every misalignment, plus the last slot. */
		const uint64_t at[] = { 0, 1, 2, 3, 4, 5, 6, 7, 64, RAM_SIZE - a->len };
		const uint64_t val = PATTERN & width_mask(a->len);

		for (j = 0; j < VCCW_ARRAY_SIZE(at); j++) {
			uint64_t got = 0;

			memset(f.ram, FILL_BYTE, RAM_SIZE);
			CHECK_EQ(a->st(f.mem, at[j], val), VCCW_MEM_OK);
			for (k = 0; k < a->len; k++)
				CHECK_MSG(f.ram[at[j] + k] == wire_byte(a, val, k),
					  "st_%s at 0x%" PRIx64 ": byte %u is 0x%x, want 0x%x",
					  a->name, at[j], k, f.ram[at[j] + k],
					  wire_byte(a, val, k));
			/* The neighbours are untouched. */
			if (at[j] > 0)
				CHECK_EQ(f.ram[at[j] - 1], FILL_BYTE);
			if (at[j] + a->len < RAM_SIZE)
				CHECK_EQ(f.ram[at[j] + a->len], FILL_BYTE);
			CHECK_EQ(a->ld(f.mem, at[j], &got), VCCW_MEM_OK);
			CHECK_MSG(got == val, "ld_%s at 0x%" PRIx64 ": 0x%" PRIx64 " != 0x%" PRIx64,
				  a->name, at[j], got, val);
		}
	}
	fixture_fini(&f);
}

TEST(test_mem_ld_decodes_guest_bytes)
{
	static const uint8_t bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88 };
	struct fixture f;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	REQUIRE(fixture_init(&f));
	memcpy(f.ram + 3, bytes, sizeof(bytes));
	CHECK_EQ(vccw_mem_ld_be16(f.mem, 3, &v16), VCCW_MEM_OK);
	CHECK_EQ(v16, 0x0102);
	CHECK_EQ(vccw_mem_ld_le16(f.mem, 3, &v16), VCCW_MEM_OK);
	CHECK_EQ(v16, 0x0201);
	CHECK_EQ(vccw_mem_ld_be32(f.mem, 3, &v32), VCCW_MEM_OK);
	CHECK_EQ(v32, 0x01020304);
	CHECK_EQ(vccw_mem_ld_le32(f.mem, 3, &v32), VCCW_MEM_OK);
	CHECK_EQ(v32, 0x04030201);
	CHECK_EQ(vccw_mem_ld_be64(f.mem, 3, &v64), VCCW_MEM_OK);
	CHECK_EQ(v64, 0x0102030405060788);
	CHECK_EQ(vccw_mem_ld_le64(f.mem, 3, &v64), VCCW_MEM_OK);
	CHECK_EQ(v64, 0x8807060504030201);
	fixture_fini(&f);
}

/* ---- Block copies ---- */

TEST(test_mem_read_write_fill_bounds)
{
	uint8_t buf[16], src[16];
	struct fixture f;

	REQUIRE(fixture_init(&f));
	memset(src, 0x33, sizeof(src));

	CHECK_EQ(vccw_mem_write(f.mem, RAM_SIZE - 16, src, 16), VCCW_MEM_OK);
	CHECK(memcmp(f.ram + RAM_SIZE - 16, src, 16) == 0);
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(vccw_mem_read(f.mem, RAM_SIZE - 16, buf, 16), VCCW_MEM_OK);
	CHECK(memcmp(buf, src, 16) == 0);
	CHECK_EQ(vccw_mem_fill(f.mem, 0, 0x77, RAM_SIZE), VCCW_MEM_OK);
	CHECK_EQ(f.ram[0], 0x77);
	CHECK_EQ(f.ram[RAM_SIZE - 1], 0x77);

	/* Refused ranges transfer nothing at all, not even the part inside RAM. */
	snapshot(&f);
	CHECK_EQ(vccw_mem_write(f.mem, RAM_SIZE - 15, src, 16), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_write(f.mem, UINT64_MAX - 3, src, 8), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_write(f.mem, RAM_SIZE, src, 1), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_fill(f.mem, RAM_SIZE - 15, 0x11, 16), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_fill(f.mem, UINT64_MAX - 3, 0x11, 8), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_fill(f.mem, 0, 0x11, RAM_SIZE + 1), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_fill(f.mem, 1, 0x11, SIZE_MAX), VCCW_MEM_ADDRESSING);
	CHECK(unchanged(&f));

	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(vccw_mem_read(f.mem, RAM_SIZE - 15, buf, 16), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_read(f.mem, UINT64_MAX - 3, buf, 8), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_read(f.mem, 1, buf, SIZE_MAX), VCCW_MEM_ADDRESSING);
	CHECK_EQ(buf[0], 0xee);
	CHECK_EQ(buf[15], 0xee);
	fixture_fini(&f);
}

TEST(test_mem_zero_length_transfers_nothing)
{
	const uint64_t at[] = { 0, 1, RAM_SIZE - 1, RAM_SIZE, RAM_SIZE + 1, UINT64_MAX };
	uint8_t buf[4] = { 0xee, 0xee, 0xee, 0xee };
	struct iovec iov = { .iov_base = buf, .iov_len = 99 };
	unsigned int nr, i;
	struct fixture f;

	REQUIRE(fixture_init(&f));
	snapshot(&f);
	for (i = 0; i < VCCW_ARRAY_SIZE(at); i++) {
		bool valid = vccw_mem_valid(f.mem, at[i], 0);

		/* Whatever valid() says about an empty range, every accessor agrees with it. */
		CHECK_MSG((vccw_mem_read(f.mem, at[i], buf, 0) == VCCW_MEM_OK) == valid,
			  "read of 0 bytes at 0x%" PRIx64 " disagrees with valid()", at[i]);
		CHECK_MSG((vccw_mem_write(f.mem, at[i], buf, 0) == VCCW_MEM_OK) == valid,
			  "write of 0 bytes at 0x%" PRIx64 " disagrees with valid()", at[i]);
		CHECK_MSG((vccw_mem_fill(f.mem, at[i], 0, 0) == VCCW_MEM_OK) == valid,
			  "fill of 0 bytes at 0x%" PRIx64 " disagrees with valid()", at[i]);
		nr = 99;
		CHECK_MSG((vccw_mem_map(f.mem, at[i], 0, &iov, 1, &nr) == VCCW_MEM_OK) == valid,
			  "map of 0 bytes at 0x%" PRIx64 " disagrees with valid()", at[i]);
		CHECK_EQ(nr, 0);
	}
	/* Inside RAM an empty range is certainly fine. */
	CHECK_EQ(vccw_mem_read(f.mem, 0, buf, 0), VCCW_MEM_OK);
	CHECK_EQ(vccw_mem_write(f.mem, RAM_SIZE - 1, buf, 0), VCCW_MEM_OK);
	nr = 99;
	CHECK_EQ(vccw_mem_map(f.mem, 0, 0, &iov, 0, &nr), VCCW_MEM_OK);
	CHECK_EQ(nr, 0);
	CHECK(unchanged(&f));
	CHECK_EQ(buf[0], 0xee);
	fixture_fini(&f);
}

/* ---- Mapping to iovecs ---- */

TEST(test_mem_map_gives_guest_bytes)
{
	struct iovec iov[4];
	unsigned int nr = 99;
	struct fixture f;
	uint8_t *p;
	uint8_t v = 0;

	REQUIRE(fixture_init(&f));
	memset(iov, 0, sizeof(iov));
	CHECK_EQ(vccw_mem_map(f.mem, 100, 200, iov, VCCW_ARRAY_SIZE(iov), &nr), VCCW_MEM_OK);
	REQUIRE(nr >= 1 && nr <= VCCW_ARRAY_SIZE(iov));
	{
		size_t total = 0;
		unsigned int i;

		for (i = 0; i < nr; i++)
			total += iov[i].iov_len;
		CHECK_EQ(total, 200);
	}
	/* The iovec is the guest RAM itself: writes through it are visible to loads. */
	p = iov[0].iov_base;
	CHECK(p == f.ram + 100);
	p[0] = 0xc3;
	CHECK_EQ(vccw_mem_ld_u8(f.mem, 100, &v), VCCW_MEM_OK);
	CHECK_EQ(v, 0xc3);
	CHECK_EQ(vccw_mem_st_u8(f.mem, 101, 0x3c), VCCW_MEM_OK);
	CHECK_EQ(p[1], 0x3c);

	/* The whole of RAM, and the last byte. */
	nr = 99;
	CHECK_EQ(vccw_mem_map(f.mem, 0, RAM_SIZE, iov, 1, &nr), VCCW_MEM_OK);
	CHECK_EQ(nr, 1);
	CHECK(iov[0].iov_base == f.ram);
	CHECK_EQ(iov[0].iov_len, RAM_SIZE);
	nr = 99;
	CHECK_EQ(vccw_mem_map(f.mem, RAM_SIZE - 1, 1, iov, 1, &nr), VCCW_MEM_OK);
	CHECK_EQ(nr, 1);
	CHECK(iov[0].iov_base == f.ram + RAM_SIZE - 1);
	CHECK_EQ(iov[0].iov_len, 1);
	f.ram[100] = FILL_BYTE;
	f.ram[101] = FILL_BYTE;
	fixture_fini(&f);
}

TEST(test_mem_map_failures_fill_nothing)
{
	const struct {
		uint64_t gaddr, len;
		unsigned int max_iov;
	} bad[] = {
		{ RAM_SIZE - 1, 2, 4 },
		{ RAM_SIZE, 1, 4 },
		{ 0, RAM_SIZE + 1, 4 },
		{ UINT64_MAX - 3, 8, 4 },
		{ 1, UINT64_MAX, 4 },
		{ 0, 1, 0 }, /* a non-empty range cannot fit in no iovec */
	};
	struct iovec iov[4], before[4];
	unsigned int i, nr;
	struct fixture f;

	REQUIRE(fixture_init(&f));
	memset(before, 0xab, sizeof(before));
	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		memcpy(iov, before, sizeof(iov));
		nr = 99;
		CHECK_MSG(vccw_mem_map(f.mem, bad[i].gaddr, bad[i].len, iov, bad[i].max_iov, &nr) ==
				  VCCW_MEM_ADDRESSING,
			  "map 0x%" PRIx64 "+0x%" PRIx64 " max %u accepted", bad[i].gaddr,
			  bad[i].len, bad[i].max_iov);
		CHECK_EQ(nr, 0);
		CHECK(memcmp(iov, before, sizeof(iov)) == 0);
	}
	fixture_fini(&f);
}

/* ---- Atomic indicator updates ---- */

TEST(test_mem_atomic_or_u8)
{
	struct fixture f;
	uint8_t old = 0;

	REQUIRE(fixture_init(&f));
	f.ram[10] = 0x81;
	CHECK_EQ(vccw_mem_atomic_or_u8(f.mem, 10, 0x42, &old), VCCW_MEM_OK);
	CHECK_EQ(old, 0x81);
	CHECK_EQ(f.ram[10], 0xc3);
	CHECK_EQ(vccw_mem_atomic_or_u8(f.mem, 10, 0x04, NULL), VCCW_MEM_OK);
	CHECK_EQ(f.ram[10], 0xc7);
	CHECK_EQ(f.ram[9], FILL_BYTE);
	CHECK_EQ(f.ram[11], FILL_BYTE);
	f.ram[RAM_SIZE - 1] = 0;
	CHECK_EQ(vccw_mem_atomic_or_u8(f.mem, RAM_SIZE - 1, 0x01, &old), VCCW_MEM_OK);
	CHECK_EQ(old, 0);
	CHECK_EQ(f.ram[RAM_SIZE - 1], 0x01);

	snapshot(&f);
	old = 0x55;
	CHECK_EQ(vccw_mem_atomic_or_u8(f.mem, RAM_SIZE, 0xff, &old), VCCW_MEM_ADDRESSING);
	CHECK_EQ(vccw_mem_atomic_or_u8(f.mem, UINT64_MAX, 0xff, &old), VCCW_MEM_ADDRESSING);
	CHECK_EQ(old, 0x55);
	CHECK(unchanged(&f));
	f.ram[10] = FILL_BYTE;
	f.ram[RAM_SIZE - 1] = FILL_BYTE;
	fixture_fini(&f);
}

TEST(test_mem_atomic_or_be64_is_big_endian)
{
	struct fixture f;
	uint64_t old = 0;

	REQUIRE(fixture_init(&f));
	CHECK_EQ(vccw_mem_st_be64(f.mem, 16, UINT64_C(0x8000000000000001)), VCCW_MEM_OK);
	CHECK_EQ(vccw_mem_atomic_or_be64(f.mem, 16, UINT64_C(0x0100000000000100), &old),
		 VCCW_MEM_OK);
	CHECK_EQ(old, UINT64_C(0x8000000000000001));
	/* The most significant byte (bit 0 in PoP numbering) is at the lowest address. */
	CHECK_EQ(f.ram[16], 0x81);
	CHECK_EQ(f.ram[22], 0x01);
	CHECK_EQ(f.ram[23], 0x01);
	CHECK_EQ(f.ram[17], 0x00);
	CHECK_EQ(f.ram[15], FILL_BYTE);
	CHECK_EQ(f.ram[24], FILL_BYTE);
	CHECK_EQ(vccw_mem_atomic_or_be64(f.mem, 16, UINT64_C(0x2), NULL), VCCW_MEM_OK);
	CHECK_EQ(f.ram[23], 0x03);
	fixture_fini(&f);
}

TEST(test_mem_ordered16_byte_order)
{
	struct fixture f;
	uint16_t v = 0;

	REQUIRE(fixture_init(&f));
	CHECK_EQ(vccw_mem_st_release_be16(f.mem, 16, 0x1234), VCCW_MEM_OK);
	CHECK_EQ(f.ram[16], 0x12);
	CHECK_EQ(f.ram[17], 0x34);
	CHECK_EQ(vccw_mem_st_release_le16(f.mem, 32, 0x1234), VCCW_MEM_OK);
	CHECK_EQ(f.ram[32], 0x34);
	CHECK_EQ(f.ram[33], 0x12);
	CHECK_EQ(f.ram[15], FILL_BYTE);
	CHECK_EQ(f.ram[18], FILL_BYTE);
	CHECK_EQ(f.ram[31], FILL_BYTE);
	CHECK_EQ(f.ram[34], FILL_BYTE);
	CHECK_EQ(vccw_mem_ld_acquire_be16(f.mem, 16, &v), VCCW_MEM_OK);
	CHECK_EQ(v, 0x1234);
	CHECK_EQ(vccw_mem_ld_acquire_le16(f.mem, 16, &v), VCCW_MEM_OK);
	CHECK_EQ(v, 0x3412);
	CHECK_EQ(vccw_mem_ld_acquire_le16(f.mem, 32, &v), VCCW_MEM_OK);
	CHECK_EQ(v, 0x1234);
	memset(f.ram + 16, FILL_BYTE, 2);
	memset(f.ram + 32, FILL_BYTE, 2);
	fixture_fini(&f);
}

TEST(test_mem_ordered16_bounds_and_alignment)
{
	/* The last aligned halfword inside RAM_SIZE (4099) starts at 4096. */
	const uint64_t bad[] = {
		1, 3, 4097, /* misaligned: refused even though inside RAM */
		4098,       /* aligned, but only one of its bytes is RAM */
		UINT64_MAX - 1, /* aligned; gaddr + 2 wraps to 0 */
	};
	struct fixture f;
	unsigned int i;
	uint16_t v;

	REQUIRE(fixture_init(&f));
	CHECK_EQ(vccw_mem_st_release_be16(f.mem, 4096, 0xa55a), VCCW_MEM_OK);
	CHECK_EQ(f.ram[4096], 0xa5);
	CHECK_EQ(f.ram[4097], 0x5a);
	CHECK_EQ(vccw_mem_ld_acquire_be16(f.mem, 4096, &v), VCCW_MEM_OK);
	CHECK_EQ(v, 0xa55a);

	snapshot(&f);
	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		v = 0x1234;
		CHECK_MSG(vccw_mem_ld_acquire_be16(f.mem, bad[i], &v) == VCCW_MEM_ADDRESSING,
			  "ld_acquire_be16 at 0x%" PRIx64 " accepted", bad[i]);
		CHECK_MSG(vccw_mem_ld_acquire_le16(f.mem, bad[i], &v) == VCCW_MEM_ADDRESSING,
			  "ld_acquire_le16 at 0x%" PRIx64 " accepted", bad[i]);
		CHECK_EQ(v, 0x1234);
		CHECK_MSG(vccw_mem_st_release_be16(f.mem, bad[i], 0) == VCCW_MEM_ADDRESSING,
			  "st_release_be16 at 0x%" PRIx64 " accepted", bad[i]);
		CHECK_MSG(vccw_mem_st_release_le16(f.mem, bad[i], 0) == VCCW_MEM_ADDRESSING,
			  "st_release_le16 at 0x%" PRIx64 " accepted", bad[i]);
	}
	CHECK(unchanged(&f));
	memset(f.ram + 4096, FILL_BYTE, 2);
	fixture_fini(&f);
}

TEST(test_mem_atomic_or_be64_bounds_and_alignment)
{
	/* The last aligned doubleword inside RAM_SIZE (4099) starts at 4088. */
	const uint64_t last = (RAM_SIZE - 8) & ~UINT64_C(7);
	const uint64_t bad[] = {
		1, 4, 7, 17, /* misaligned: refused even though inside RAM */
		last + 8,    /* 4096: aligned, but only 3 of its 8 bytes are RAM */
		UINT64_MAX - 7, /* aligned; gaddr + 8 wraps to 0 */
		UINT64_MAX - 3,
	};
	struct fixture f;
	uint64_t old;
	unsigned int i;

	REQUIRE(fixture_init(&f));
	CHECK_EQ(vccw_mem_atomic_or_be64(f.mem, 0, 1, NULL), VCCW_MEM_OK);
	CHECK_EQ(f.ram[7], FILL_BYTE | 1);
	CHECK_EQ(vccw_mem_atomic_or_be64(f.mem, last, UINT64_C(1) << 63, &old), VCCW_MEM_OK);
	CHECK_EQ(old, UINT64_C(0x5a5a5a5a5a5a5a5a));
	CHECK_EQ(f.ram[last], 0xda);

	snapshot(&f);
	for (i = 0; i < VCCW_ARRAY_SIZE(bad); i++) {
		old = 0x1234;
		CHECK_MSG(vccw_mem_atomic_or_be64(f.mem, bad[i], UINT64_MAX, &old) ==
				  VCCW_MEM_ADDRESSING,
			  "atomic_or_be64 at 0x%" PRIx64 " accepted", bad[i]);
		CHECK_EQ(old, 0x1234);
	}
	CHECK(unchanged(&f));
	f.ram[7] = FILL_BYTE;
	f.ram[last] = FILL_BYTE;
	fixture_fini(&f);
}

/*
 * Two threads OR their own bits, one at a time, into the same indicator, meeting before
 * each indicator so that they really work on it together. A plain load-OR-store then
 * loses the other thread's bit now and then; the atomic helpers never may. Whether the
 * updates interleave still depends on scheduling, so this can catch a non-atomic update
 * but not prove an atomic one, and it asserts nothing about timing.
 */
#define RACE_WORDS 2048u
#define RACE_BASE8 (8 * RACE_WORDS) /* the byte indicators follow the doublewords */

struct race {
	struct vccw_mem *mem;
	unsigned int *arrived; /* shared: rendezvous calls so far, by both threads */
	unsigned int first_bit; /* this thread sets bits first_bit.. of each indicator */
	bool failed;
};

/*
 * Wait until both threads have reached round @round. A sleeping barrier would wake the
 * second thread long after the first had finished the indicator, so spin, and yield
 * only when the other thread is evidently not running.
 */
static void rendezvous(unsigned int *arrived, unsigned int round)
{
	unsigned int spins = 0;

	__atomic_fetch_add(arrived, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < 2 * (round + 1))
		if (++spins % 1024 == 0)
			sched_yield();
}

static void *race_thread(void *arg)
{
	struct race *r = arg;
	unsigned int i, bit;

	for (i = 0; i < RACE_WORDS; i++) {
		rendezvous(r->arrived, i);
		for (bit = r->first_bit; bit < r->first_bit + 32; bit++)
			if (vccw_mem_atomic_or_be64(r->mem, 8 * (uint64_t)i, UINT64_C(1) << bit,
						    NULL))
				r->failed = true;
		for (bit = r->first_bit / 8; bit < r->first_bit / 8 + 4; bit++)
			if (vccw_mem_atomic_or_u8(r->mem, RACE_BASE8 + i, (uint8_t)(1u << bit),
						  NULL))
				r->failed = true;
	}
	return NULL;
}

TEST(test_mem_atomic_or_loses_no_bits_under_contention)
{
	struct race a = { .first_bit = 0 }, b = { .first_bit = 32 };
	struct vccw_err err = { 0 };
	unsigned int arrived = 0;
	struct vccw_mem *mem;
	pthread_t ta, tb;
	unsigned int i, lost = 0;
	uint64_t v64;
	uint8_t v8;

	mem = vccw_mem_new(RACE_BASE8 + RACE_WORDS, &err);
	REQUIRE(mem);
	a.mem = b.mem = mem;
	a.arrived = b.arrived = &arrived;
	if (pthread_create(&ta, NULL, race_thread, &a)) {
		vccw_mem_free(mem);
		SKIP("cannot create a thread");
	}
	if (pthread_create(&tb, NULL, race_thread, &b)) {
		/* Stand in for the second thread at every round so the first one finishes. */
		for (i = 0; i < RACE_WORDS; i++)
			rendezvous(&arrived, i);
		pthread_join(ta, NULL);
		vccw_mem_free(mem);
		SKIP("cannot create a second thread");
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(!a.failed && !b.failed);
	for (i = 0; i < RACE_WORDS; i++) {
		CHECK_EQ(vccw_mem_ld_be64(mem, 8 * (uint64_t)i, &v64), VCCW_MEM_OK);
		CHECK_EQ(vccw_mem_ld_u8(mem, RACE_BASE8 + i, &v8), VCCW_MEM_OK);
		if (v64 != UINT64_MAX || v8 != 0xff)
			lost++;
	}
	CHECK_MSG(lost == 0, "%u of %u indicators lost a bit", lost, RACE_WORDS);
	vccw_mem_free(mem);
}
