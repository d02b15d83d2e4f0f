/*===- pqrt_limits.h - The largest sizes of a pq step -------------*- C -*-===*\
|*                                                                            *|
|* One definition of the sizes every part of pq accepts: libpqrt's manifest   *|
|* parser, every C API call (pqrt_config and pqrt_step), the CPU reference,   *|
|* and the pq dialect's verifiers (pq-opt, pq-compile), so the compiler never *|
|* writes a module the runtime refuses. They are far above any real model and *|
|* keep sums of sizes far from int64 overflow; products (buffer sizes) are    *|
|* still checked one by one.                                                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef PQRT_PQRT_LIMITS_H
#define PQRT_PQRT_LIMITS_H

#include <stdint.h>

/* b: a call's batch, a module's static batch, an indexer's max_batch. */
#define PQRT_MAX_BATCH (((int64_t)1) << 20)
/* h and h_kv. */
#define PQRT_MAX_HEADS (((int64_t)1) << 16)
/* d and S (pq_group_factor). */
#define PQRT_MAX_HEAD_DIM (((int64_t)1) << 16)
/* pq_bits: C = 2^bits centroids per subspace (8 at most for compact codes). */
#define PQRT_MAX_BITS 16
/* Token counts: sink, window, heavy, init_offset, sk (seq_len), the key and
 * code capacities and a module's max_seq_len. */
#define PQRT_MAX_TOKENS (((int64_t)1) << 40)
/* Lloyd iterations of one index build (kmeans_iter). */
#define PQRT_MAX_KMEANS_ITER 1000

#endif /* PQRT_PQRT_LIMITS_H */
