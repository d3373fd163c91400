/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test-only: the mutants of CShim/mutants, built from their patches by
 * CShim/mutants/generate.sh: mutants of a revision (mut_<base>_<name>) and of the
 * generic hotplug layer (mut_generic_<name>, run with their base revision's code).
 * Nothing the shipped hotremove tool links.
 */
#ifndef HR_CSHIM_MUTANTS_H
#define HR_CSHIM_MUTANTS_H

#ifdef __cplusplus
extern "C" {
#endif

/* One mutant, as its patch's manifest describes it. */
typedef struct hr_mutant_info {
	const char *revision;		/* mut_<base>_<name> or mut_generic_<name> */
	const char *base;		/* the revision it runs with and is checked against */
	const char *rule;		/* finding rule that must kill it (prefix); crash/hang: isolation only */
	const char *kill;		/* MutationTests kill scenarios, comma-separated ("-": none) */
	const char *class_name;		/* kind of bug */
	const char *description;
	const char *patch;		/* the patch, relative to the package root */
} hr_mutant_info;

/* Adds every mutant instance to CShim's registry (hr_instance_find/at); 0 on success.
 * Safe to call more than once. */
int hr_mutants_register(void);
int hr_mutant_count(void);
const hr_mutant_info *hr_mutant_at(int i);

#ifdef __cplusplus
}
#endif
#endif
