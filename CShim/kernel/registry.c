// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry of compiled instances (a revision built for one geometry).
 * CShim's own (hr_instances, the shipped revisions, listed by the generated
 * CShim/instances/registry.c) come first, then lists registered at run time:
 * test-only targets (the mutants) register theirs, so that the shipped tool
 * carries none.
 */
#include <pthread.h>
#include <string.h>
#include "kernel/instance.h"

#define HR_MAX_EXTRA_LISTS 8
static pthread_mutex_t hr_extra_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { const hr_instance *const *list; int n; } hr_extra[HR_MAX_EXTRA_LISTS];
static int hr_nr_extra;

int hr_instance_register_extra(const hr_instance *const *list, int n)
{
	int ret = 0;

	if (!list || n < 0)
		return -1;
	pthread_mutex_lock(&hr_extra_lock);
	for (int i = 0; i < hr_nr_extra; i++)
		if (hr_extra[i].list == list)
			goto out;	/* already registered */
	if (hr_nr_extra == HR_MAX_EXTRA_LISTS) {
		ret = -1;
		goto out;
	}
	hr_extra[hr_nr_extra].list = list;
	hr_extra[hr_nr_extra].n = n;
	hr_nr_extra++;
out:
	pthread_mutex_unlock(&hr_extra_lock);
	return ret;
}

int hr_instance_count(void)
{
	int n = hr_nr_instances;

	pthread_mutex_lock(&hr_extra_lock);
	for (int i = 0; i < hr_nr_extra; i++)
		n += hr_extra[i].n;
	pthread_mutex_unlock(&hr_extra_lock);
	return n;
}

const hr_instance *hr_instance_at(int i)
{
	const hr_instance *inst = NULL;

	if (i < 0)
		return NULL;
	if (i < hr_nr_instances)
		return hr_instances[i];
	i -= hr_nr_instances;
	pthread_mutex_lock(&hr_extra_lock);
	for (int k = 0; k < hr_nr_extra && !inst; k++) {
		if (i < hr_extra[k].n)
			inst = hr_extra[k].list[i];
		else
			i -= hr_extra[k].n;
	}
	pthread_mutex_unlock(&hr_extra_lock);
	return inst;
}

const hr_instance *hr_instance_find(const char *revision, const char *geometry)
{
	const hr_instance *inst;

	for (int i = 0; (inst = hr_instance_at(i)); i++)
		if (!strcmp(inst->revision, revision) && !strcmp(inst->geometry, geometry))
			return inst;
	return NULL;
}
const char *hr_instance_revision(const hr_instance *inst) { return inst->revision; }
const char *hr_instance_geometry_name(const hr_instance *inst) { return inst->geometry; }
void hr_instance_geometry(const hr_instance *inst, hr_geometry *out) { inst->fill_geometry(out); }
