// SPDX-License-Identifier: GPL-2.0-only
/* Registration of the mutant instances (instances/registry.c is generated). */
#include "CShimMutants.h"
#include "CShim.h"

extern const hr_instance *const hr_mutant_instances[];
extern const int hr_nr_mutant_instances;
extern const hr_mutant_info hr_mutant_manifest[];
extern const int hr_nr_mutants;

int hr_mutants_register(void)
{
	return hr_instance_register_extra(hr_mutant_instances, hr_nr_mutant_instances);
}

int hr_mutant_count(void) { return hr_nr_mutants; }

const hr_mutant_info *hr_mutant_at(int i)
{
	return (i >= 0 && i < hr_nr_mutants) ? &hr_mutant_manifest[i] : NULL;
}
