// SPDX-License-Identifier: MIT
/*
 * vccw-vm's side of the netdev parser (netdev.c): -netdev and netdev_add check their
 * properties with it and open the backend it describes, reporting errors as vccw-vm does.
 */
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
