// GFP flags: how an allocation may behave (Linux's names and meanings).
#pragma once

#include <stdint.h>

using gfp_t = uint32_t;

constexpr gfp_t __GFP_DMA32 = 1u << 2;    // below 4 GiB
constexpr gfp_t __GFP_HIGH = 1u << 5;     // may use the emergency reserve
constexpr gfp_t __GFP_RECLAIMABLE = 1u << 4;
constexpr gfp_t __GFP_IO = 1u << 6;
constexpr gfp_t __GFP_FS = 1u << 7;
constexpr gfp_t __GFP_ZERO = 1u << 8;     // return zeroed memory
constexpr gfp_t __GFP_DIRECT_RECLAIM = 1u << 10;  // may sleep
constexpr gfp_t __GFP_KSWAPD_RECLAIM = 1u << 11;
constexpr gfp_t __GFP_NOWARN = 1u << 13;  // no warning on failure
constexpr gfp_t __GFP_COMP = 1u << 14;    // compound page (head + tails)
constexpr gfp_t __GFP_NOFAIL = 1u << 15;  // keep trying (see alloc_pages)
constexpr gfp_t __GFP_NORETRY = 1u << 16; // give up at the first failure

constexpr gfp_t GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
constexpr gfp_t GFP_KERNEL = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS;
constexpr gfp_t GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
constexpr gfp_t GFP_DMA32 = __GFP_DMA32;
