// SPDX-License-Identifier: MIT
/*
 * vccw-vm's side of the netdev parser (netdev.c): -netdev and netdev_add check their
 * properties with it and open the backend it describes, reporting errors as vccw-vm does;
 * and the monitor's info network, with each backend's counters.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vccw/net.h"
#include "vm-int.h"

int vm_netdev_check(struct vm_netdev *nd)
{
	char msg[512];

	if (vm_netdev_parse(nd->type, &nd->opts, !nd->hotplugged, &nd->cfg, msg,
			    sizeof(msg))) {
		vm_error_qmp("%s", msg);
		vm_error(nd->what, "%s", msg);
		return -1;
	}
	if (nd->cfg.kind == VM_NETDEV_USER && !vccw_be_net_have_user()) {
		vm_error(nd->what, "user networking is not in this build (it needs libslirp: "
			 "apt-get install libslirp-dev, then rebuild); -netdev stream, dgram or "
			 "none work without it");
		return -1;
	}
	return 0;
}

int vm_netdev_open(struct vm_netdev *nd)
{
	char msg[512];

	nd->be = vm_netdev_cfg_open(&nd->cfg, msg, sizeof(msg));
	if (!nd->be) {
		vm_error_qmp("%s", msg);
		vm_error(nd->what, "%s", msg);
		return -1;
	}
	return 0;
}

void vm_netdev_close(struct vm_netdev *nd)
{
	vccw_be_net_close(nd->be);
	nd->be = NULL;
}

/* What QEMU's info network prints after the type, for the kinds that say something. */
static void info_detail(FILE *f, const struct vm_netdev *nd)
{
	const struct vm_netdev_cfg *c = &nd->cfg;
	char net[INET_ADDRSTRLEN];

	switch (c->kind) {
	case VM_NETDEV_USER:
		inet_ntop(AF_INET, &c->user.net, net, sizeof(net));
		fprintf(f, "net=%s,restrict=%s", net, c->user.restricted ? "on" : "off");
		break;
	case VM_NETDEV_TAP:
		if (c->tap_fd >= 0)
			fprintf(f, "fd=%d", c->tap_fd);
		else
			fprintf(f, "ifname=%s,script=no,downscript=no", c->ifname);
		break;
	case VM_NETDEV_DGRAM:
		if (c->local.type == VM_NETADDR_INET && c->remote.type == VM_NETADDR_INET)
			fprintf(f, "udp=%s:%s/%s:%s", c->local.host, c->local.port, c->remote.host,
				c->remote.port);
		else if (c->local.type == VM_NETADDR_UNIX)
			fprintf(f, "unix=%s:%s", c->local.path, c->remote.path);
		break;
	default:
		break;
	}
}

static void info_netdev(FILE *f, const char *indent, const struct vm_netdev *nd)
{
	struct vccw_be_net_stats st = { 0 };

	fprintf(f, "%s%s: index=0,type=%s,", indent, nd->id, nd->type);
	info_detail(f, nd);
	fprintf(f, "\r\n");
	if (nd->be)
		vccw_be_net_get_stats(nd->be, &st);
	/* Not in QEMU 7.2, which counts nothing per netdev: vccw-vm's counters. */
	fprintf(f, "%s    rx: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " dropped; "
		"tx: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " dropped\r\n",
		*indent ? "   " : "",
		st.rx_packets, st.rx_bytes, st.rx_dropped, st.tx_packets, st.tx_bytes,
		st.tx_dropped);
}

char *vm_netdev_info(struct vm *vm)
{
	static const uint8_t dflt[6] = VCCW_NET_DEFAULT_MAC;
	struct vm_config *cfg = vm->cfg;
	char *text = NULL;
	size_t size = 0;
	unsigned int i, nics = 0;
	const uint8_t *m;
	FILE *f;

	f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	pthread_mutex_lock(&vm->dev_lock);
	/* As QEMU: the backends without a NIC first, then each NIC with its backend. */
	for (i = 0; i < cfg->nr_netdevs; i++)
		if (!cfg->netdevs[i]->user)
			info_netdev(f, "", cfg->netdevs[i]);
	for (i = 0; i < cfg->nr_devices; i++) {
		const struct vm_device *dev = cfg->devices[i];

		if (strcmp(dev->type->name, "virtio-net-ccw"))
			continue;
		m = dev->mac ? dev->mac_bytes : dflt;
		if (dev->id)
			fprintf(f, "%s: ", dev->id);
		else
			fprintf(f, "virtio-net-ccw.%u: ", nics);
		nics++;
		fprintf(f, "index=0,type=nic,model=virtio-net-ccw,macaddr=%02x:%02x:%02x:%02x:"
			"%02x:%02x\r\n", m[0], m[1], m[2], m[3], m[4], m[5]);
		if (dev->netdev)
			info_netdev(f, " \\ ", dev->netdev);
	}
	pthread_mutex_unlock(&vm->dev_lock);
	fclose(f);
	return text;
}

void vm_netdev_help(void)
{
	static const char *const types[] = { "user", "tap", "stream", "dgram", "socket",
					     "loopback", "none" };
	unsigned int i;

	printf("Available netdev backend types:\n");
	for (i = 0; i < VCCW_ARRAY_SIZE(types); i++)
		printf("%s\n", types[i]);
}
