/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dup: basic kernel types and helpers (include/linux/types.h, const.h,
 * bits.h, sizes.h, kernel.h, compiler.h of v5.7), only what the routines use.
 */
#ifndef HR_KSHIM_TYPES_H
#define HR_KSHIM_TYPES_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;

#define _AC(X, Y)	(X##Y)
#define _AT(T, X)	((T)(X))
#define _UL(x)		(_AC(x, UL))
#define _ULL(x)		(_AC(x, ULL))
#define UL(x)		(_UL(x))
#define ULL(x)		(_ULL(x))
#define BIT(nr)		(UL(1) << (nr))
#define GENMASK_ULL(h, l) \
	(((~ULL(0)) - (ULL(1) << (l)) + 1) & (~ULL(0) >> (64 - 1 - (h))))
#define BITS_PER_LONG	64

#define SZ_4K		0x00001000
#define SZ_64K		0x00010000
#define SZ_2M		0x00200000
#define SZ_128M		0x08000000
#define SZ_1G		0x40000000

#define __ALIGN_KERNEL_MASK(x, mask)	(((x) + (mask)) & ~(mask))
#define ALIGN(x, a)		__ALIGN_KERNEL_MASK(x, (typeof(x))(a) - 1)
#define min(x, y)		((x) < (y) ? (x) : (y))
#define max(x, y)		((x) > (y) ? (x) : (y))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

#define __init
#define __meminit
#define __ref
#define __ro_after_init
#define __maybe_unused		__attribute__((unused))

#define ENOMEM		12
#define EBUSY		16
#define EEXIST		17
#define EINVAL		22

#endif
