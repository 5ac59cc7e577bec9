/* SPDX-License-Identifier: MIT */
/* Shared by the guest device drivers: the per-type table of bound devices. */
#ifndef GUEST_DRIVERS_INT_H
#define GUEST_DRIVERS_INT_H

#include "guest/drivers.h"
#include "guest/lib.h"

#define GUEST_DRV_MAX 16

struct guest_drv_table {
	void *item[GUEST_DRV_MAX];
	unsigned int n;
};

static inline bool guest_drv_table_add(struct guest_drv_table *t, void *p)
{
	if (t->n == GUEST_DRV_MAX)
		return false;
	t->item[t->n++] = p;
	return true;
}

/* Remove @p keeping probe order, so indices of the others only move down. */
static inline void guest_drv_table_del(struct guest_drv_table *t, void *p)
{
	unsigned int i, j;

	for (i = 0; i < t->n; i++) {
		if (t->item[i] != p)
			continue;
		for (j = i; j + 1 < t->n; j++)
			t->item[j] = t->item[j + 1];
		t->n--;
		return;
	}
}

static inline void *guest_drv_table_get(const struct guest_drv_table *t, unsigned int i)
{
	return i < t->n ? t->item[i] : NULL;
}

#endif /* GUEST_DRIVERS_INT_H */
