/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dup: the memory notifier, from include/linux/notifier.h and
 * include/linux/memory.h (v5.7).  struct notifier_block is reduced to its
 * callback: the shim keeps a machine's notifiers in an array, not a chain.
 */
#ifndef HR_DUP_NOTIFIER_H
#define HR_DUP_NOTIFIER_H

/* include/linux/notifier.h */
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
};
#define NOTIFY_DONE		0x0000
#define NOTIFY_OK		0x0001
#define NOTIFY_STOP_MASK	0x8000
#define NOTIFY_BAD		(NOTIFY_STOP_MASK|0x0002)

/* include/linux/memory.h */
#define MEM_ONLINE		(1<<0)
#define MEM_GOING_OFFLINE	(1<<1)
#define MEM_OFFLINE		(1<<2)
#define MEM_GOING_ONLINE	(1<<3)
#define MEM_CANCEL_ONLINE	(1<<4)
#define MEM_CANCEL_OFFLINE	(1<<5)
struct memory_notify {
	unsigned long start_pfn;
	unsigned long nr_pages;
	int status_change_nid_normal;
	int status_change_nid_high;
	int status_change_nid;
};

#endif
