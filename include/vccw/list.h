/* SPDX-License-Identifier: MIT */
/*
 * Intrusive doubly linked lists (in the manner of Linux's list_head), for libvccw's
 * own use. An empty list head points to itself.
 */
#ifndef VCCW_LIST_H
#define VCCW_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "vccw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vccw_list {
	struct vccw_list *prev, *next;
};

static inline void vccw_list_init(struct vccw_list *l)
{
	l->prev = l->next = l;
}

static inline bool vccw_list_empty(const struct vccw_list *l)
{
	return l->next == l;
}

static inline void vccw_list_add_tail(struct vccw_list *head, struct vccw_list *n)
{
	n->prev = head->prev;
	n->next = head;
	head->prev->next = n;
	head->prev = n;
}

static inline void vccw_list_add_head(struct vccw_list *head, struct vccw_list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void vccw_list_del(struct vccw_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	vccw_list_init(n);
}

/* First entry, or NULL when empty. */
static inline struct vccw_list *vccw_list_first(const struct vccw_list *head)
{
	return vccw_list_empty(head) ? NULL : head->next;
}

#ifdef __cplusplus
}
#endif

#endif /* VCCW_LIST_H */
