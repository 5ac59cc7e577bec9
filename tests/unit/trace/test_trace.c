// SPDX-License-Identifier: MIT
/*
 * The trace points (include/vccw/trace.h): the registry and its patterns, the line
 * format the sink receives, that a disabled event neither formats nor evaluates its
 * arguments, and that each category's events fire, in order, for the operation they
 * describe: I/O instructions (css), the channel program (ccw), interruptions (irq),
 * channel reports (crw), the virtio core (virtio) and the virtio-ccw transport (vccw);
 * and the guest's errors (guest), one line for each architected error a guest causes and
 * none for what it does right.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "trace-int.h"
#include "virtio-ccw/vc_util.h"

/* ---- A capturing sink ---- */

#define CAP_LINES 512
#define CAP_LEN 256

struct capture {
	pthread_mutex_t lock;
	char line[CAP_LINES][CAP_LEN];
	unsigned int nr;      /* lines kept */
	unsigned int dropped; /* lines past CAP_LINES */
	bool newline;         /* some line ended in '\n' */
	bool misnamed;        /* some line did not start with its event's name */
};

static struct capture cap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void cap_sink(void *opaque, unsigned int id, const char *line)
{
	struct capture *c = opaque;
	size_t len = strlen(line);
	const char *name = vccw_trace_event_get(id)->name;

	pthread_mutex_lock(&c->lock);
	if (strncmp(line, name, strlen(name)) || line[strlen(name)] != ' ')
		c->misnamed = true;
	if (len && line[len - 1] == '\n')
		c->newline = true;
	if (c->nr < CAP_LINES)
		snprintf(c->line[c->nr++], CAP_LEN, "%s", line);
	else
		c->dropped++;
	pthread_mutex_unlock(&c->lock);
}

/* Start capturing with only @patterns (NULL-terminated) enabled. */
static void cap_start(const char *const *patterns)
{
	vccw_trace_set_state("*", false);
	pthread_mutex_lock(&cap.lock);
	cap.nr = 0;
	cap.dropped = 0;
	cap.newline = false;
	cap.misnamed = false;
	pthread_mutex_unlock(&cap.lock);
	vccw_trace_set_sink(cap_sink, &cap);
	for (; patterns && *patterns; patterns++)
		vccw_trace_enable(*patterns);
}

static void cap_stop(void)
{
	vccw_trace_set_state("*", false);
	vccw_trace_set_sink(NULL, NULL);
}

/* Index of the first line at or after @from whose event is @event, or -1. */
static int cap_find(const char *event, int from)
{
	size_t n = strlen(event);
	int i, found = -1;

	pthread_mutex_lock(&cap.lock);
	for (i = from < 0 ? 0 : from; i < (int)cap.nr; i++) {
		if (!strncmp(cap.line[i], event, n) && cap.line[i][n] == ' ') {
			found = i;
			break;
		}
	}
	pthread_mutex_unlock(&cap.lock);
	return found;
}

static unsigned int cap_count(const char *event)
{
	unsigned int nr = 0;
	int i = -1;

	while ((i = cap_find(event, i + 1)) >= 0)
		nr++;
	return nr;
}

/* True when line @i exists and contains @text. */
static bool cap_has(int i, const char *text)
{
	bool has;

	if (i < 0)
		return false;
	pthread_mutex_lock(&cap.lock);
	has = i < (int)cap.nr && strstr(cap.line[i], text);
	pthread_mutex_unlock(&cap.lock);
	return has;
}

static const char *cap_line(int i)
{
	return i >= 0 && i < (int)cap.nr ? cap.line[i] : "(none)";
}

/* ---- Registry and patterns ---- */

static const char *const categories[] = { "css", "ccw", "irq", "crw", "virtio", "vccw",
					 "guest" };

TEST(test_trace_every_event_is_named_after_its_category)
{
	unsigned int i, j, k;

	CHECK_EQ(vccw_trace_nr_events(), VCCW_TRACE_NR_EVENTS);
	CHECK(vccw_trace_event_get(VCCW_TRACE_NR_EVENTS) == NULL);
	for (i = 0; i < vccw_trace_nr_events(); i++) {
		const struct vccw_trace_event *ev = vccw_trace_event_get(i);
		size_t n = strlen(ev->category);
		bool known = false;

		for (k = 0; k < VCCW_ARRAY_SIZE(categories); k++)
			known = known || !strcmp(ev->category, categories[k]);
		CHECK_MSG(known, "%s: unknown category %s", ev->name, ev->category);
		CHECK_MSG(!strncmp(ev->name, ev->category, n) && ev->name[n] == '_',
			  "%s does not start with %s_", ev->name, ev->category);
		CHECK_MSG(ev->fmt[0] && ev->fmt[strlen(ev->fmt) - 1] != '\n',
			  "%s: format empty or ending in a newline", ev->name);
		for (j = 0; j < i; j++)
			CHECK_MSG(strcmp(ev->name, vccw_trace_event_get(j)->name),
				  "%s listed twice", ev->name);
	}
	/* Each category has events. */
	for (k = 0; k < VCCW_ARRAY_SIZE(categories); k++)
		CHECK_MSG(vccw_trace_set_state(categories[k], false) > 0, "%s", categories[k]);
}

TEST(test_trace_enable_returns_the_number_of_events_matched)
{
	unsigned int i, nr_css = 0;

	vccw_trace_set_state("*", false);
	for (i = 0; i < vccw_trace_nr_events(); i++)
		nr_css += !strncmp(vccw_trace_event_get(i)->name, "css_", 4);
	CHECK_EQ(vccw_trace_enable("css_*"), nr_css);
	CHECK(vccw_trace_get_state(VCCW_TRACE_ID_css_ssch));
	CHECK(vccw_trace_get_state(VCCW_TRACE_ID_css_tsch));
	CHECK(!vccw_trace_get_state(VCCW_TRACE_ID_irq_queue));
	/* A category name selects its events; a plain name one event. */
	CHECK_EQ(vccw_trace_enable("crw"), 3);
	CHECK(vccw_trace_get_state(VCCW_TRACE_ID_crw_lost));
	CHECK_EQ(vccw_trace_enable("irq_queue"), 1);
	CHECK(vccw_trace_get_state(VCCW_TRACE_ID_irq_queue));
	CHECK(!vccw_trace_get_state(VCCW_TRACE_ID_irq_take));
	CHECK_EQ(vccw_trace_enable("vccw_set_?q"), 1);
	CHECK(vccw_trace_get_state(VCCW_TRACE_ID_vccw_set_vq));
	/* Nothing matched, nothing changed. */
	CHECK_EQ(vccw_trace_enable("no_such_event"), 0);
	CHECK_EQ(vccw_trace_enable("CSS_*"), 0);
	CHECK_EQ(vccw_trace_enable(""), 0);
	CHECK_EQ(vccw_trace_enable(NULL), 0);
	CHECK(!vccw_trace_get_state(VCCW_TRACE_NR_EVENTS));
	/* Disabling by pattern. */
	CHECK_EQ(vccw_trace_set_state("css_ssch", false), 1);
	CHECK(!vccw_trace_get_state(VCCW_TRACE_ID_css_ssch));
	CHECK(vccw_trace_get_state(VCCW_TRACE_ID_css_tsch));
	CHECK_EQ(vccw_trace_set_state("*", false), vccw_trace_nr_events());
	for (i = 0; i < vccw_trace_nr_events(); i++)
		CHECK(!vccw_trace_get_state(i));
}

TEST(test_trace_insn_rc_text)
{
	char buf[24];

	CHECK(!strcmp(vccw_trace_insn_rc(VCCW_CC0, buf, sizeof(buf)), "cc=0"));
	CHECK(!strcmp(vccw_trace_insn_rc(VCCW_CC3, buf, sizeof(buf)), "cc=3"));
	CHECK(!strcmp(vccw_trace_insn_rc(VCCW_CC_UNCHANGED, buf, sizeof(buf)), "cc=unchanged"));
	CHECK(!strcmp(vccw_trace_insn_rc(VCCW_PGM_OPERAND, buf, sizeof(buf)), "pic=0x0015"));
}

/* ---- Cost when off ---- */

static unsigned int evaluated;

static uint32_t side_effect(void)
{
	evaluated++;
	return 0x10000;
}

TEST(test_trace_disabled_event_does_not_evaluate_its_arguments)
{
	static const char *const only_tsch[] = { "css_tsch", NULL };

	cap_start(only_tsch);
	evaluated = 0;
	VCCW_TRACE(css_hsch, side_effect(), "cc=0");
	CHECK_EQ(evaluated, 0);
	CHECK_EQ(cap.nr, 0);

	vccw_trace_enable("css_hsch");
	VCCW_TRACE(css_hsch, side_effect(), "cc=0");
	CHECK_EQ(evaluated, 1);
	REQUIRE(cap.nr == 1);
	CHECK_MSG(!strcmp(cap.line[0], "css_hsch sid=0x10000 cc=0"), "%s", cap.line[0]);

	/* Off again: no formatting, no evaluation. */
	vccw_trace_set_state("css_hsch", false);
	VCCW_TRACE(css_hsch, side_effect(), "cc=0");
	CHECK_EQ(evaluated, 1);
	CHECK_EQ(cap.nr, 1);
	cap_stop();
}

TEST(test_trace_nothing_enabled_emits_nothing_for_a_channel_program)
{
	struct fx f;
	struct fx_cu_state st;
	struct fx_irb irb;
	struct vccw_cu *cu;
	uint32_t sid;

	cap_start(NULL);
	fx_init(&f, false);
	cu = fx_add_cu(&f, "fe.0.0815", &st, false);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	CHECK_EQ(fx_enable(&f, sid, 3), VCCW_CC0);
	fx_ccw1(&f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, 0, 1, 0);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	vccw_cu_free(cu, false);
	fx_fini(&f);
	CHECK_EQ(cap.nr, 0);
	cap_stop();
}

TEST(test_trace_enabled_without_sink_is_silent)
{
	evaluated = 0;
	vccw_trace_set_sink(NULL, NULL);
	vccw_trace_enable("css_hsch");
	/* Nothing to deliver to: nothing happens (the arguments are evaluated, once). */
	VCCW_TRACE(css_hsch, side_effect(), "cc=0");
	CHECK_EQ(evaluated, 1);
	cap_stop();
}

/* ---- css, ccw, irq: one start function from SSCH to TSCH ---- */

TEST(test_trace_ssch_emits_css_ssch_then_ccw_cmd_then_irq_queue)
{
	static const char *const pats[] = { "css", "ccw", "irq", NULL };
	struct fx f;
	struct fx_cu_state st;
	struct fx_irb irb;
	struct vccw_cu *cu;
	int ssch, func, start, fetch, cmd, status, queue, take, tsch;
	uint32_t sid;

	fx_init(&f, false);
	cu = fx_add_cu(&f, "fe.0.0815", &st, false);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	CHECK_EQ(fx_enable(&f, sid, 3), VCCW_CC0);
	fx_ccw1(&f, FX_PROG_ADDR, FX_CMD_WRITE, 0, 8, FX_DATA_ADDR);

	cap_start(pats);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	{
		struct vccw_io_irq irq;

		CHECK(vccw_css_take_io_irq(f.css, 0xff, &irq));
	}
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	CHECK_EQ(cap.dropped, 0);
	CHECK(!cap.newline);

	ssch = cap_find("css_ssch", 0);
	func = cap_find("css_func", ssch);
	start = cap_find("ccw_start", func);
	fetch = cap_find("ccw_fetch", start);
	cmd = cap_find("ccw_cmd", fetch);
	status = cap_find("ccw_status", cmd);
	queue = cap_find("irq_queue", status);
	take = cap_find("irq_take", queue);
	tsch = cap_find("css_tsch", take);
	CHECK_MSG(ssch >= 0 && func > ssch && start > func && fetch > start && cmd > fetch &&
			  status > cmd && queue > status && take > queue && tsch > take,
		  "order: ssch %d func %d start %d fetch %d cmd %d status %d queue %d take %d "
		  "tsch %d", ssch, func, start, fetch, cmd, status, queue, take, tsch);
	CHECK_MSG(!strcmp(cap_line(ssch), "css_ssch sid=0x10000 orb=0x1000 cc=0"), "%s",
		  cap_line(ssch));
	CHECK_MSG(cap_has(func, "dev=fe.0.0815 func=start"), "%s", cap_line(func));
	CHECK_MSG(cap_has(start, "dev=fe.0.0815 cpa=0x10000 "), "%s", cap_line(start));
	CHECK_MSG(cap_has(fetch, "addr=0x10000 cmd=0x01 flags=0x00 count=0x8 cda=0x20000"), "%s",
		  cap_line(fetch));
	CHECK_MSG(cap_has(cmd, "dev=fe.0.0815 addr=0x10000 cmd=0x01 name=\"WRITE\" count=0x8 "
			       "rc=ok dstat=0x0c cstat=0x00 residual=0x0"),
		  "%s", cap_line(cmd));
	CHECK_MSG(cap_has(status, "rc=done cpa=0x10008"), "%s", cap_line(status));
	CHECK_MSG(!strcmp(cap_line(queue), "irq_queue sid=0x10000 isc=3 intparm=0x12345678"), "%s",
		  cap_line(queue));
	CHECK_MSG(cap_has(take, "sid=0x10000 intparm=0x12345678 iiw=0x18000000"), "%s",
		  cap_line(take));
	/* TSCH after the interruption was taken: cc 0 (status was pending). */
	CHECK_MSG(cap_has(tsch, "css_tsch sid=0x10000 irb=0x1100 cc=0"), "%s", cap_line(tsch));
	cap_stop();
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

TEST(test_trace_instruction_outcomes_name_cc_and_program_interruption)
{
	static const char *const pats[] = { "css_*", NULL };
	struct fx f;
	int i;

	fx_init(&f, false);
	cap_start(pats);
	/* No subchannel: cc 3. A malformed SID (bit 15 zero): operand exception. */
	CHECK_EQ(vccw_css_ssch(f.css, &f.cpu, 0x10005, FX_ORB_ADDR), VCCW_CC3);
	CHECK_EQ(vccw_css_hsch(f.css, &f.cpu, 0x5), VCCW_PGM_OPERAND);
	CHECK_EQ(vccw_css_sal(f.css, &f.cpu, 0x10000), VCCW_CC_UNCHANGED);
	f.cpu.problem_state = true;
	CHECK_EQ(vccw_css_chsc(f.css, &f.cpu, 0x2000), VCCW_PGM_PRIVILEGED_OP);
	f.cpu.problem_state = false;
	i = cap_find("css_ssch", 0);
	CHECK_MSG(!strcmp(cap_line(i), "css_ssch sid=0x10005 orb=0x1000 cc=3"), "%s", cap_line(i));
	i = cap_find("css_hsch", 0);
	CHECK_MSG(!strcmp(cap_line(i), "css_hsch sid=0x5 pic=0x0015"), "%s", cap_line(i));
	i = cap_find("css_sal", 0);
	CHECK_MSG(!strcmp(cap_line(i), "css_sal gpr1=0x10000 cc=unchanged"), "%s", cap_line(i));
	i = cap_find("css_chsc", 0);
	CHECK_MSG(!strcmp(cap_line(i), "css_chsc addr=0x2000 pic=0x0002"), "%s", cap_line(i));
	cap_stop();
	fx_fini(&f);
}

TEST(test_trace_program_check_names_the_ccw_and_the_reason)
{
	static const char *const pats[] = { "ccw_prog_check", "ccw_status", NULL };
	struct fx f;
	struct fx_cu_state st;
	struct fx_irb irb;
	struct vccw_cu *cu;
	uint32_t sid;
	int i;

	fx_init(&f, false);
	cu = fx_add_cu(&f, "fe.0.0815", &st, false);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	CHECK_EQ(fx_enable(&f, sid, 3), VCCW_CC0);
	/* Command code 0x00 (low nibble 0) is invalid: channel-program check. */
	fx_ccw1(&f, FX_PROG_ADDR, 0x00, 0, 1, 0);
	cap_start(pats);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_PROG);
	i = cap_find("ccw_prog_check", 0);
	CHECK_MSG(!strcmp(cap_line(i), "ccw_prog_check dev=fe.0.0815 addr=0x10000 "
				       "why=command-code"),
		  "%s", cap_line(i));
	/* A program check is the final status itself, not a command's. */
	CHECK_EQ(cap_count("ccw_status"), 0);
	cap_stop();
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

TEST(test_trace_irq_withdraw_and_adapter)
{
	static const char *const pats[] = { "irq", NULL };
	struct fx f;
	struct fx_cu_state st;
	struct vccw_cu *cu;
	struct vccw_io_irq irq;
	uint32_t sid;
	int i;

	fx_init(&f, false);
	cu = fx_add_cu(&f, "fe.0.0815", &st, false);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	CHECK_EQ(fx_enable(&f, sid, 5), VCCW_CC0);
	fx_ccw1(&f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, 0, 1, 0);
	cap_start(pats);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	/* CSCH withdraws the pending interruption request; the clear queues a new one. */
	CHECK_EQ(vccw_css_csch(f.css, &f.cpu, sid), VCCW_CC0);
	fx_run(&f);
	i = cap_find("irq_queue", 0);
	CHECK_MSG(cap_has(i, "sid=0x10000 isc=5"), "%s", cap_line(i));
	i = cap_find("irq_withdraw", i);
	CHECK_MSG(!strcmp(cap_line(i), "irq_withdraw sid=0x10000 isc=5"), "%s", cap_line(i));
	CHECK(cap_find("irq_queue", i) > i);

	/* Adapter interruptions: queued once, the second merges into the first. */
	vccw_css_inject_adapter(f.css, 2);
	vccw_css_inject_adapter(f.css, 2);
	i = cap_find("irq_adapter", 0);
	CHECK_MSG(!strcmp(cap_line(i), "irq_adapter isc=2 queued=1"), "%s", cap_line(i));
	i = cap_find("irq_adapter", i + 1);
	CHECK_MSG(!strcmp(cap_line(i), "irq_adapter isc=2 queued=0"), "%s", cap_line(i));
	CHECK(vccw_css_take_io_irq(f.css, 0x20, &irq));
	i = cap_find("irq_take", 0);
	CHECK_MSG(!strcmp(cap_line(i), "irq_take sid=0x0 intparm=0x0 iiw=0x90000000"), "%s",
		  cap_line(i));
	cap_stop();
	vccw_cu_free(cu, false);
	fx_fini(&f);
}

/* ---- crw ---- */

TEST(test_trace_crw_queued_stored_lost)
{
	static const char *const pats[] = { "crw", "css_stcrw", NULL };
	struct fx f;
	unsigned int k;
	int i;

	fx_init(&f, false);
	cap_start(pats);
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 0x0001, -1);
	CHECK_EQ(vccw_css_stcrw(f.css, &f.cpu, 0x3000), VCCW_CC0);
	CHECK_EQ(vccw_css_stcrw(f.css, &f.cpu, 0x3000), VCCW_CC1);
	i = cap_find("crw_queue", 0);
	CHECK_MSG(!strcmp(cap_line(i), "crw_queue crw=0x03040001 mchk=1"), "%s", cap_line(i));
	i = cap_find("crw_store", i);
	CHECK_MSG(!strcmp(cap_line(i), "crw_store crw=0x03040001"), "%s", cap_line(i));
	i = cap_find("css_stcrw", i);
	CHECK_MSG(!strcmp(cap_line(i), "css_stcrw addr=0x3000 cc=0"), "%s", cap_line(i));
	i = cap_find("css_stcrw", i + 1);
	CHECK_MSG(!strcmp(cap_line(i), "css_stcrw addr=0x3000 cc=1"), "%s", cap_line(i));

	/* A full queue loses the next report. */
	vccw_trace_set_state("crw_queue", false);
	for (k = 0; k < VCCW_CRW_QUEUE_LEN; k++)
		vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 2, -1);
	CHECK_EQ(cap_count("crw_lost"), 0);
	vccw_css_queue_crw(f.css, VCCW_CRW_RSC_SCH, VCCW_CRW_ERC_IPI, false, 0x0815, -1);
	i = cap_find("crw_lost", 0);
	CHECK_MSG(!strcmp(cap_line(i), "crw_lost rsc=0x3 erc=0x4 rsid=0x0815"), "%s",
		  cap_line(i));
	cap_stop();
	fx_fini(&f);
}

/* ---- virtio and vccw: a driver bringing a device up ---- */

TEST(test_trace_virtio_ccw_commands_carry_revision_and_outcome)
{
	static const char *const pats[] = { "vccw", "virtio", NULL };
	uint8_t info[32];
	struct fx_irb irb;
	struct vc v;
	int i;

	REQUIRE(vc_init(&v, 2));
	cap_start(pats);
	CHECK(vc_set_rev(&v, 2));
	CHECK(!vc_set_rev(&v, 1));
	CHECK(vc_write_status(&v, VCCW_VIRTIO_S_ACKNOWLEDGE));
	vc_vq_info(info, RING, 0, 8, RING + 0x1000, RING + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, info, 32, &irb);
	CHECK(vc_ok(&irb));
	vc_vq_info(info, RING1, 1, 64, RING1 + 0x1000, RING1 + 0x2000);
	vc_cmd(&v, VCCW_VIRTIO_CCW_CMD_SET_VQ, 0, info, 32, &irb);
	CHECK(irb.scsw.dstat & VCCW_DSTAT_UC);
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));

	i = cap_find("vccw_set_rev", 0);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_set_rev dev=fe.0.0815 rev=2 req=2 len=0 rc=ok"), "%s",
		  cap_line(i));
	i = cap_find("vccw_set_rev", i + 1);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_set_rev dev=fe.0.0815 rev=2 req=1 len=0 rc=reject"),
		  "%s", cap_line(i));
	i = cap_find("virtio_set_status", 0);
	CHECK_MSG(cap_has(i, "dev=fake ") && cap_has(i, " old=0x00 new=0x01 ok=1"), "%s",
		  cap_line(i));
	CHECK(cap_find("vccw_write_status", i) > i);
	i = cap_find("vccw_write_status", 0);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_write_status dev=fe.0.0815 rev=2 status=0x01 rc=ok"),
		  "%s", cap_line(i));
	i = cap_find("virtio_queue_setup", 0);
	CHECK_MSG(cap_has(i, " queue=0 size=8 desc=0x100000 packed=0 rc=0"), "%s", cap_line(i));
	i = cap_find("vccw_set_vq", i);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_set_vq dev=fe.0.0815 rev=2 queue=0 num=8 "
				       "desc=0x100000 rc=ok"),
		  "%s", cap_line(i));
	i = cap_find("vccw_set_vq", i + 1);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_set_vq dev=fe.0.0815 rev=2 queue=1 num=64 "
				       "desc=0x110000 rc=reject"),
		  "%s", cap_line(i));
	i = cap_find("vccw_set_ind", 0);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_set_ind dev=fe.0.0815 rev=2 ind=0x30000 rc=ok"), "%s",
		  cap_line(i));
	cap_stop();
	vc_fini(&v);
}

TEST(test_trace_indicators_and_diagnose_500)
{
	static const char *const pats[] = { "vccw_notify_*", "vccw_diag500", "virtio_kick",
					     "virtio_needs_reset", NULL };
	struct vc v;
	int64_t ret = 0;
	int i;

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_IND, IND));
	CHECK(vc_set_addr(&v, VCCW_VIRTIO_CCW_CMD_SET_CONF_IND, CONF_IND));
	cap_start(pats);
	vc_notify_queue(&v, 1);
	i = cap_find("vccw_notify_queue", 0);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_notify_queue dev=fe.0.0815 queue=1 ind=classic irq=1"),
		  "%s", cap_line(i));

	pthread_mutex_lock(&v.fake.vdev.lock);
	vccw_virtio_needs_reset(&v.fake.vdev);
	pthread_mutex_unlock(&v.fake.vdev.lock);
	i = cap_find("virtio_needs_reset", 0);
	CHECK_MSG(cap_has(i, "dev=fake ") && cap_has(i, " status=0x40"), "%s", cap_line(i));
	i = cap_find("vccw_notify_config", i);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_notify_config dev=fe.0.0815 conf_ind=0x30008 irq=1"),
		  "%s", cap_line(i));

	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, VCCW_VIRTIO_CCW_DIAG_NOTIFY, v.sid, 0, 0, &ret),
		 VCCW_CC_UNCHANGED);
	CHECK_EQ(ret, 0);
	i = cap_find("virtio_kick", 0);
	CHECK_MSG(cap_has(i, " queue=0 rc=0"), "%s", cap_line(i));
	i = cap_find("vccw_diag500", i);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_diag500 sid=0x10000 subcode=0x3 data=0x0 rc=0"), "%s",
		  cap_line(i));
	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, 7, v.sid, 0, 0, &ret), VCCW_PGM_SPECIFICATION);
	i = cap_find("vccw_diag500", i + 1);
	CHECK_MSG(!strcmp(cap_line(i), "vccw_diag500 sid=0x10000 subcode=0x7 data=0x0 rc=-22"),
		  "%s", cap_line(i));
	cap_stop();
	vc_fini(&v);
}

/*
 * The guest category: one line for each error the guest causes (a program check on an
 * I/O instruction, a channel-program check, a command reject, NEEDS_RESET, an unknown
 * DIAGNOSE 0x500 subcode), none for correct requests, and nothing but guest_* lines.
 */
TEST(test_trace_guest_errors_one_line_each)
{
	static const char *const guest[] = { "guest", NULL };
	struct fx f;
	struct fx_cu_state st;
	struct fx_irb irb;
	struct vccw_cu *cu;
	struct vc v;
	uint32_t sid;
	int64_t ret = 0;
	unsigned int k;
	int i;

	fx_init(&f, false);
	cu = fx_add_cu(&f, "fe.0.0815", &st, false);
	REQUIRE(cu);
	sid = fx_sid_of(cu);
	cap_start(guest);
	CHECK_EQ(fx_enable(&f, sid, 3), VCCW_CC0);
	/* Correct requests: a NOP program, STSCH, no subchannel (cc 3): no line. */
	fx_ccw1(&f, FX_PROG_ADDR, VCCW_CCW_CMD_NOP, 0, 1, 0);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	CHECK_EQ(vccw_css_ssch(f.css, &f.cpu, 0x10005, FX_ORB_ADDR), VCCW_CC3);
	CHECK_EQ(cap.nr, 0);

	/* SSCH with an ORB not on a word boundary: specification exception. */
	CHECK_EQ(vccw_css_ssch(f.css, &f.cpu, sid, FX_ORB_ADDR + 1), VCCW_PGM_SPECIFICATION);
	/* HSCH with a malformed SID: operand exception. */
	CHECK_EQ(vccw_css_hsch(f.css, &f.cpu, 0x5), VCCW_PGM_OPERAND);
	i = cap_find("guest_css_pgm", 0);
	CHECK_MSG(cap_has(i, "guest_css_pgm SSCH sid=0x10000 addr=0x1001: program check "
			     "pic=0x0006"), "%s", cap_line(i));
	i = cap_find("guest_css_pgm", i + 1);
	CHECK_MSG(cap_has(i, "guest_css_pgm HSCH sid=0x5 addr=0x0: program check pic=0x0015"),
		  "%s", cap_line(i));

	/* Command code 0x00: channel-program check. */
	fx_ccw1(&f, FX_PROG_ADDR, 0x00, 0, 1, 0);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	CHECK_EQ(irb.scsw.cstat, VCCW_CSTAT_PROG);
	i = cap_find("guest_ccw_prog_check", 0);
	CHECK_MSG(!strcmp(cap_line(i), "guest_ccw_prog_check dev=fe.0.0815 ccw=0x10000: "
				       "channel-program check: command-code"),
		  "%s", cap_line(i));
	/* A command the control unit does not have (0x44, a valid code): command reject. */
	fx_ccw1(&f, FX_PROG_ADDR, 0x44, 0, 1, 0);
	CHECK_EQ(fx_ssch(&f, sid, FX_PROG_ADDR, 0), VCCW_CC0);
	fx_run(&f);
	CHECK_EQ(fx_tsch(&f, sid, &irb), VCCW_CC0);
	CHECK(irb.scsw.dstat & VCCW_DSTAT_UC);
	i = cap_find("guest_ccw_unit_check", 0);
	CHECK_MSG(cap_has(i, "guest_ccw_unit_check dev=fe.0.0815 ccw=0x10000 cmd=0x44: unit "
			     "check (command reject"), "%s", cap_line(i));
	vccw_cu_free(cu, false);
	fx_fini(&f);

	REQUIRE(vc_init(&v, 2));
	CHECK(vc_set_rev(&v, 2));
	/* A notification of a queue that exists is no error; an unknown subcode is. */
	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, VCCW_VIRTIO_CCW_DIAG_NOTIFY, v.sid, 0, 0, &ret),
		 VCCW_CC_UNCHANGED);
	CHECK_EQ(cap_count("guest_diag500"), 0);
	CHECK_EQ(vccw_virtio_ccw_diag500(v.f.css, 7, v.sid, 0, 0, &ret), VCCW_PGM_SPECIFICATION);
	i = cap_find("guest_diag500", 0);
	CHECK_MSG(!strcmp(cap_line(i), "guest_diag500 sid=0x10000 subcode=0x7: DIAGNOSE 0x500 "
				       "with an unknown subcode: specification exception"),
		  "%s", cap_line(i));
	/* NEEDS_RESET once: a second error before the reset adds no line. */
	pthread_mutex_lock(&v.fake.vdev.lock);
	vccw_virtio_needs_reset(&v.fake.vdev);
	vccw_virtio_needs_reset(&v.fake.vdev);
	pthread_mutex_unlock(&v.fake.vdev.lock);
	CHECK_EQ(cap_count("guest_virtio_needs_reset"), 1);
	i = cap_find("guest_virtio_needs_reset", 0);
	CHECK_MSG(cap_has(i, "guest_virtio_needs_reset dev=fake ") &&
			  cap_has(i, "status NEEDS_RESET"),
		  "%s", cap_line(i));
	vc_fini(&v);
	cap_stop();

	CHECK_EQ(cap.nr, 6);
	for (k = 0; k < cap.nr; k++)
		CHECK_MSG(!strncmp(cap.line[k], "guest_", 6), "%s", cap.line[k]);
	CHECK(!cap.misnamed);
}

/* Every line: "<event> <fields>", no newline, bus IDs as cssid.ssid.devno. */
TEST(test_trace_lines_start_with_the_event_and_end_without_newline)
{
	static const char *const all[] = { "*", NULL };
	struct vc v;
	unsigned int k;

	REQUIRE(vc_init(&v, 2));
	cap_start(all);
	CHECK(vc_set_rev(&v, 1));
	CHECK(vc_write_feat(&v, 0, 0));
	CHECK(vc_write_status(&v, 0));
	vc_fini(&v);
	cap_stop();
	CHECK(cap.nr > 10);
	CHECK(!cap.newline);
	CHECK(!cap.misnamed);
	for (k = 0; k < cap.nr; k++) {
		CHECK_MSG(!strstr(cap.line[k], "dev=fe.0.815 ") && !strstr(cap.line[k], "#"),
			  "%s", cap.line[k]);
	}
	CHECK(cap_find("vccw_write_feat", 0) >= 0);
	CHECK(cap_find("virtio_write_features", 0) >= 0);
	CHECK(cap_find("virtio_reset", 0) >= 0);
	CHECK(cap_find("css_sch_del", 0) >= 0);
}
