/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam: transcribed files include this instead of the kernel's headers
 * (like tools/testing/vma/vma_internal.h).  Split by kind:
 *   dup/     copied kernel definitions, each naming its kernel version
 *   custom   instrumented: current machine, allocator, recorders
 *   stubs    no-ops
 */
#ifndef HR_KSHIM_H
#define HR_KSHIM_H

#include "kshim/geometry.h"
#include "kshim/types.h"
#include "kshim/custom.h"
#include "kshim/dup/pgtable-types.h"
#include "kshim/dup/pgtable-hwdef.h"
#include "kshim/dup/pgtable-prot.h"
#include "kshim/dup/memory.h"
#include "kshim/custom_pgtable.h"
#include "kshim/dup/pgtable.h"
#include "kshim/dup/pgalloc.h"
#include "kshim/dup/tlbflush.h"
#include "kshim/stubs.h"
#include "kshim/older_eras.h"
#include "kshim/later_eras.h"

#endif
