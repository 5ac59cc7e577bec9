// SPDX-License-Identifier: MIT
/*
 * How lib/mem looks to ThreadSanitizer (built with SANITIZE=thread; skipped otherwise).
 * Guest RAM is shared with the guest by design, so lib/mem hides its own plain accesses
 * to guest RAM, but only those: the host buffer of a copy must still be checked, and the
 * ring-field atomics must still give happens-before, so that data the guest publishes
 * with them is ordered for TSan as it is for the CPU.
 *
 * Each case runs two threads in a forked child whose TSan reports go to a pipe, and the
 * parent looks for a data race report in what came back. The two threads hand over with
 * a relaxed atomic flag, which orders nothing for TSan: a pair of plain accesses on
 * either side of it is a race it must report, unless something else orders them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "vccw/mem.h"

#if defined(__SANITIZE_THREAD__)
#define TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN_BUILD 1
#endif
#endif

#ifdef TSAN_BUILD
#include <sanitizer/common_interface_defs.h>

#define RAM_SIZE 4096u
#define DATA 0x100u /* a guest buffer */
#define IDX 0x200u  /* a ring index that publishes it */
#define LEN 64u

struct pair {
	struct vccw_mem *mem;
	uint8_t *ram;    /* the guest's view: a plain host pointer, as the native guest has */
	uint8_t buf[LEN]; /* a host buffer */
	int flag;         /* handed over relaxed: no happens-before */
};

typedef void step_fn(struct pair *p);

struct scenario {
	step_fn *first;  /* runs on a second thread, then raises the flag */
	step_fn *second; /* runs on this thread once it sees the flag */
};

static step_fn *first_step;

static void *first_thread(void *arg)
{
	struct pair *p = arg;

	first_step(p);
	__atomic_store_n(&p->flag, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* The child: set up, run the two steps, exit (TSan prints its reports by then). */
static void __attribute__((noreturn)) run_child(const struct scenario *sc, int fd)
{
	static uint64_t ram[RAM_SIZE / 8];
	struct pair *p = calloc(1, sizeof(*p));
	pthread_t t;

	__sanitizer_set_report_fd((void *)(intptr_t)fd);
	if (!p)
		_exit(3);
	p->ram = (uint8_t *)ram;
	p->mem = vccw_mem_wrap(ram, sizeof(ram), NULL);
	if (!p->mem)
		_exit(3);
	first_step = sc->first;
	if (pthread_create(&t, NULL, first_thread, p))
		_exit(3);
	while (!__atomic_load_n(&p->flag, __ATOMIC_RELAXED))
		sched_yield();
	sc->second(p);
	pthread_join(t, NULL);
	exit(0);
}

/*
 * Run @sc in a child; *@race tells whether TSan reported a data race there.
 * Returns false (with a failed check) when the child could not run.
 */
static bool run_scenario(const struct scenario *sc, bool *race)
{
	char out[65536];
	size_t got = 0;
	ssize_t n;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return false;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		CHECK_MSG(false, "fork: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(sc, fds[1]);
	}
	close(fds[1]);
	while (got < sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 && !got)) {
		CHECK_MSG(false, "child failed (status 0x%x)", status);
		return false;
	}
	*race = strstr(out, "WARNING: ThreadSanitizer: data race") != NULL;
	return true;
}

/* ---- Steps ---- */

/*
 * The guest's plain stores and loads, a doubleword at a time, through volatile so that
 * they stay what they are: GCC expands a small memset() inline (TSan would then see no
 * store at all), and TSan remembers only a few accesses per doubleword, so that byte
 * accesses to all eight bytes could hide one another.
 */
static void guest_fill(struct pair *p)
{
	volatile uint64_t *d = (volatile uint64_t *)(void *)(p->ram + DATA);
	unsigned int i;

	for (i = 0; i < LEN / 8; i++)
		d[i] = 0x5a5a5a5a5a5a5a5au;
}

static uint64_t sum(const void *buf)
{
	const volatile uint64_t *d = (const volatile uint64_t *)buf;
	uint64_t s = 0;
	unsigned int i;

	for (i = 0; i < LEN / 8; i++)
		s += d[i];
	return s;
}

static void guest_writes_data(struct pair *p)
{
	guest_fill(p);
}

static void guest_reads_data(struct pair *p)
{
	(void)sum(p->ram + DATA);
}

static void host_copies_data_out(struct pair *p)
{
	vccw_mem_read(p->mem, DATA, p->buf, LEN);
}

static void host_copies_data_in(struct pair *p)
{
	vccw_mem_write(p->mem, DATA, p->buf, LEN);
}

static void host_loads_fields(struct pair *p)
{
	uint32_t v32;
	uint8_t v8;

	vccw_mem_ld_be32(p->mem, DATA, &v32);
	vccw_mem_ld_u8(p->mem, DATA + 4, &v8);
	vccw_mem_st_le16(p->mem, DATA + 8, 7);
	vccw_mem_fill(p->mem, DATA + 16, 0, 8);
}

static void host_touches_buf(struct pair *p)
{
	p->buf[0] = 1;
}

/* The guest publishes its data with a release store of the index (2.7.13). */
static void guest_writes_and_publishes(struct pair *p)
{
	guest_fill(p);
	__atomic_store_n((uint16_t *)(void *)(p->ram + IDX), 1, __ATOMIC_RELEASE);
}

static void guest_writes_and_stores_relaxed(struct pair *p)
{
	guest_fill(p);
	__atomic_store_n((uint16_t *)(void *)(p->ram + IDX), 1, __ATOMIC_RELAXED);
}

/* The device reads the index with an acquire load, then the data through a mapping. */
static void device_acquires_then_reads_mapped(struct pair *p)
{
	struct iovec iov;
	unsigned int nr;
	uint16_t idx = 0;

	/* The guest stored the index before the flag we saw: this load returns it. */
	vccw_mem_ld_acquire_le16(p->mem, IDX, &idx);
	if (vccw_mem_map(p->mem, DATA, LEN, &iov, 1, &nr) != VCCW_MEM_OK)
		return;
	(void)sum(iov.iov_base);
	(void)idx;
}

static const struct scenario host_buf_of_read = { host_copies_data_out, host_touches_buf };
static const struct scenario host_buf_of_write = { host_copies_data_in, host_touches_buf };
static const struct scenario guest_vs_read = { guest_writes_data, host_copies_data_out };
static const struct scenario guest_vs_write = { guest_reads_data, host_copies_data_in };
static const struct scenario guest_vs_fields = { guest_writes_data, host_loads_fields };
static const struct scenario published = { guest_writes_and_publishes,
					   device_acquires_then_reads_mapped };
static const struct scenario unpublished = { guest_writes_and_stores_relaxed,
					     device_acquires_then_reads_mapped };
static const struct scenario plain_race = { guest_writes_data, guest_reads_data };

#define TSAN_CASE(sc, want)                                                                        \
	do {                                                                                       \
		bool race_ = false;                                                                \
		if (run_scenario(&(sc), &race_))                                                   \
			CHECK_MSG(race_ == (want), "%s: TSan %s a race", #sc,                      \
				  race_ ? "reported" : "did not report");                          \
	} while (0)
#endif /* TSAN_BUILD */

TEST(test_mem_tsan_sees_plain_races_at_all)
{
#ifdef TSAN_BUILD
	/* The control: two plain accesses with nothing between them are a race. */
	TSAN_CASE(plain_race, true);
#else
	SKIP("not a ThreadSanitizer build (make SANITIZE=thread)");
#endif
}

TEST(test_mem_tsan_checks_the_host_buffer_of_a_copy)
{
#ifdef TSAN_BUILD
	TSAN_CASE(host_buf_of_read, true);
	TSAN_CASE(host_buf_of_write, true);
#else
	SKIP("not a ThreadSanitizer build (make SANITIZE=thread)");
#endif
}

TEST(test_mem_tsan_exempts_guest_ram_in_copies_and_fields)
{
#ifdef TSAN_BUILD
	TSAN_CASE(guest_vs_read, false);
	TSAN_CASE(guest_vs_write, false);
	TSAN_CASE(guest_vs_fields, false);
#else
	SKIP("not a ThreadSanitizer build (make SANITIZE=thread)");
#endif
}

TEST(test_mem_tsan_orders_mapped_data_by_acquire_release)
{
#ifdef TSAN_BUILD
	/* Data read through a mapping is ordinary memory: only the index orders it. */
	TSAN_CASE(published, false);
	TSAN_CASE(unpublished, true);
#else
	SKIP("not a ThreadSanitizer build (make SANITIZE=thread)");
#endif
}
