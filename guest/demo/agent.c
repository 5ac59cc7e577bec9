// SPDX-License-Identifier: MIT
/*
 * The agent guest program (vccw-vm -kernel native:agent): a guest that answers its host
 * until the machine ends, the way a Linux guest's drivers and a guest agent would.
 *
 *  - Console ports (virtio-console with MULTIPORT, virtio v1.2 5.3.6.2): each named
 *    port of the first console device is opened and greeted with "agent: hello on port
 *    NAME"; each line the host sends on a port is reported on the machine console
 *    ("agent: port NAME read 'LINE'") and sent back on the port ("echo: LINE").
 *  - Balloon (5.5.6): the balloon follows the device's target (num_pages) and the
 *    statistics queue is answered with the guest allocator's numbers (5.5.6.3).
 *
 * Every step polls; the program never ends by itself (the machine stops it).
 */
#include "guest/cio.h"
#include "guest/drivers.h"
#include "guest/lib.h"

int guest_agent_main(void);

#define AGENT_PACE_US 2000
#define AGENT_LINE 200

struct agent_port {
	struct guest_console_port *port;
	char line[AGENT_LINE + 1];
	unsigned int len;
};

static struct agent_port ports[GUEST_CONSOLE_MAX_PORTS];
static unsigned int nr_ports;

static void port_say(struct guest_console_port *port, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void port_say(struct guest_console_port *port, const char *fmt, ...)
{
	char buf[AGENT_LINE + 32];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = (int)sizeof(buf) - 1;
	guest_console_port_write(port, buf, (size_t)n);
}

/* Open and greet every named port of console 0. */
static void open_ports(void)
{
	struct guest_console *con = guest_console_get(0);
	struct guest_console_port *port;
	unsigned int i;

	if (!con)
		return;
	for (i = 0; i < con->nr_ports; i++) {
		port = guest_console_port_get(con, i);
		if (!port || !port->name[0])
			continue;
		if (guest_console_port_open(port, true)) {
			guest_printf("agent: FAIL cannot open port %s\n", port->name);
			continue;
		}
		ports[nr_ports++].port = port;
		port_say(port, "agent: hello on port %s\n", port->name);
		guest_printf("agent: opened port %u '%s'\n", port->id, port->name);
	}
}

/* Take what arrived on @ap; report and echo each complete line. */
static void serve_port(struct agent_port *ap)
{
	char c;
	int n;

	while ((n = guest_console_port_read(ap->port, &c, 1, 0)) == 1) {
		if (c != '\n') {
			if (ap->len < AGENT_LINE)
				ap->line[ap->len++] = c;
			continue;
		}
		ap->line[ap->len] = 0;
		guest_printf("agent: port %s read '%s'\n", ap->port->name, ap->line);
		port_say(ap->port, "echo: %s\n", ap->line);
		ap->len = 0;
	}
}

static void serve_balloon(struct guest_balloon *b, int64_t *last_target)
{
	int64_t target = guest_balloon_target(b);
	int rc;

	if (target >= 0 && target != *last_target) {
		*last_target = target;
		rc = guest_balloon_follow(b);
		guest_printf("agent: balloon target %lld pages, holding %u%s\n", (long long)target,
			     b->nr_pages, rc ? " (could not reach it)" : "");
	}
	guest_balloon_poll(b);
}

int guest_agent_main(void)
{
	struct guest_balloon *b;
	int64_t last_target = 0;
	unsigned int i;

	guest_drivers_register_all();
	if (guest_cio_init() < 0)
		return 1;
	open_ports();
	b = guest_balloon_get(0);
	guest_printf("agent: ready (%u ports open, %s)\n", nr_ports,
		     b ? (b->has_stats ? "balloon with stats" : "balloon") : "no balloon");
	for (;;) {
		/* The operator's powerdown (SCLP signal quiesce): end cleanly, as an OS does. */
		if (guest_arch_quiesce_pending()) {
			guest_printf("agent: powerdown requested; shutting down\n");
			return 0;
		}
		for (i = 0; i < nr_ports; i++)
			serve_port(&ports[i]);
		if (b)
			serve_balloon(b, &last_target);
		guest_arch_wait(AGENT_PACE_US);
	}
	return 0;
}
