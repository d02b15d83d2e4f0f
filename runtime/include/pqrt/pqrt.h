/*===- pqrt.h - C API of the pq indexer runtime -------------------*- C -*-===*\
|*                                                                            *|
|* libpqrt runs indexers compiled by pq-compile (.pqmod bundles) on NVIDIA    *|
|* GPUs through the CUDA driver API, and carries the CPU reference of the     *|
|* step. It links neither MLIR/LLVM nor libcuda: the driver is opened at      *|
|* first use, and without one every GPU call returns PQRT_NO_DRIVER.          *|
|*                                                                            *|
|* Conventions:                                                               *|
|* - Every function that can fail returns a pqrt_status; PQRT_OK is 0. The    *|
|*   message of the latest call on the calling thread is pqrt_last_error().   *|
|*   Messages start with the argument's field name here (kv_heads, seq_len,   *|
|*   num_cached, ...) and give the value that was expected.                   *|
|* - Handles are opaque; destroy functions accept NULL. Outputs are written   *|
|*   only on success. Nothing in the library exits or aborts the process.     *|
|* - Buffers are row-major and contiguous with the shapes of SEMANTICS.md,    *|
|*   typed by the pqrt_config. num_cached is always a host pointer.           *|
|* - Sizes are bounded by pqrt_limits.h in every call, and every buffer's     *|
|*   size in bytes must fit in int64; anything else is PQRT_INVALID_ARGUMENT. *|
|* - Every struct passed to or filled by the library starts with              *|
|*   struct_size: set it with the struct's pqrt_*_init() (or to sizeof the    *|
|*   struct) before filling the fields. See "Versions and struct sizes".      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef PQRT_PQRT_H
#define PQRT_PQRT_H

#include "pqrt_limits.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(PQRT_BUILDING_LIBRARY)
#define PQRT_API __attribute__((visibility("default")))
#else
#define PQRT_API
#endif

/* The version of this header (the CMake package's version is read from
 * here). A new minor version only adds functions and appends fields to
 * structs; a new major version may change anything (and the library's
 * SONAME, libpqrt.so.MAJOR). */
#define PQRT_VERSION_MAJOR 1
#define PQRT_VERSION_MINOR 2
#define PQRT_VERSION_PATCH 0
/* major << 16 | minor, as pqrt_get_version() returns it. */
#define PQRT_VERSION                                                           \
  ((uint32_t)(PQRT_VERSION_MAJOR) << 16 | (uint32_t)(PQRT_VERSION_MINOR))

#ifdef __cplusplus
extern "C" {
#endif

/*===-------------------------- Status and errors -------------------------===*/

typedef enum pqrt_status {
  PQRT_OK = 0,
  /* An argument breaks a rule; the message names it and the expected value. */
  PQRT_INVALID_ARGUMENT = 1,
  /* libcuda.so.1 is missing or unusable. */
  PQRT_NO_DRIVER = 2,
  /* No CUDA device, or the ordinal is out of range. */
  PQRT_NO_DEVICE = 3,
  /* A CUDA driver call failed; the message has the CUDA error. */
  PQRT_DRIVER_ERROR = 4,
  /* The bundle is corrupt, of an unknown version, or its image won't load. */
  PQRT_BAD_MODULE = 5,
  /* The bundle does not fit this device (arch, shared memory, clusters). */
  PQRT_UNSUPPORTED = 6,
  /* A comparison found outputs that break SEMANTICS.md. */
  PQRT_MISMATCH = 7,
  /* An unexpected failure inside libpqrt, e.g. out of host memory. */
  PQRT_INTERNAL_ERROR = 99
} pqrt_status;

/* The message of the latest pqrt call on this thread ("" after a success).
 * Valid until the next pqrt call on this thread. Never NULL. */
PQRT_API const char *pqrt_last_error(void);

/* "PQRT_OK", "PQRT_NO_DRIVER", ...; "PQRT_UNKNOWN" for other values. */
PQRT_API const char *pqrt_status_name(pqrt_status status);

/*===---------------------- Versions and struct sizes ---------------------===*/

/* The version of the loaded library, encoded as PQRT_VERSION. */
PQRT_API uint32_t pqrt_get_version(void);

/* Nonzero when a library of version `library` (pqrt_get_version()) serves a
 * host built with this header: the same major version and at least this
 * header's minor version. A host that loads libpqrt by path (dlopen,
 * ctypes) should check this before anything else. */
static inline int pqrt_version_compatible(uint32_t library) {
  return (library >> 16) == PQRT_VERSION_MAJOR && library >= PQRT_VERSION;
}

/* Every struct below starts with `size_t struct_size`, which the caller sets
 * to sizeof the struct as its header declares it (pqrt_*_init() zeroes the
 * struct and does so). The library checks it on entry, before using any
 * field:
 * - smaller than the struct of version 1.0, or above 4096: an error;
 * - larger than the struct this library knows (a newer header): accepted
 *   when every byte past the library's fields is zero, i.e. the caller
 *   uses no field this library lacks; an error otherwise. A struct the
 *   library fills gets those bytes zeroed.
 * So a library never reads or writes past the caller's struct_size bytes,
 * and a newer field is never silently ignored. Each struct has an inline
 * pqrt_<struct>_init() below its declaration. */

/*===----------------------------- Step types -----------------------------===*/

typedef enum pqrt_dtype {
  PQRT_F32 = 0,
  PQRT_F16 = 1,
  PQRT_BF16 = 2,
  PQRT_I32 = 3,
  PQRT_I64 = 4,
  PQRT_U8 = 5
} pqrt_dtype;

typedef enum pqrt_metric {
  PQRT_METRIC_EUCLIDEAN = 0,
  PQRT_METRIC_IP = 1
} pqrt_metric;

typedef enum pqrt_layout {
  PQRT_LAYOUT_SEED = 0,   /* int64 codes [b, n_max, h_kv, S] */
  PQRT_LAYOUT_COMPACT = 1 /* uint8 codes [b, h_kv, n_max, S] */
} pqrt_layout;

/* The static settings of a step (SEMANTICS.md). A bundle fixes them; the
 * CPU reference takes them from the caller. */
typedef struct pqrt_config {
  size_t struct_size;  /* sizeof(pqrt_config): see pqrt_config_init */
  int64_t heads;       /* h */
  int64_t kv_heads;    /* h_kv; h % h_kv == 0 */
  int64_t head_dim;    /* d */
  int64_t subspaces;   /* S = pq_group_factor; d % S == 0 */
  int64_t bits;        /* pq_bits; C = 2^bits */
  int64_t sink;        /* sink_size */
  int64_t window;      /* window_size */
  int64_t heavy;       /* heavy_size */
  int64_t init_offset; /* init_offset */
  pqrt_metric metric;
  pqrt_layout layout;
  pqrt_dtype query_type;    /* query and key cache: F32, F16 or BF16 */
  pqrt_dtype centroid_type; /* F32 or BF16 */
  pqrt_dtype weight_type;   /* weight_list: F32, F16 or BF16 */
  pqrt_dtype index_type;    /* sparse_list: I64 or I32 */
} pqrt_config;

/* Zeroes *value and sets struct_size = sizeof(pqrt_config). */
static inline void pqrt_config_init(pqrt_config *value) {
  memset(value, 0, sizeof(*value));
  value->struct_size = sizeof(*value);
}

/* One step: the per-call sizes and the buffers. For an indexer the buffers
 * are device memory; for the reference, host memory. */
typedef struct pqrt_step {
  size_t struct_size;    /* sizeof(pqrt_step): see pqrt_step_init */
  int64_t batch;         /* b */
  int64_t seq_len;       /* sk: tokens in the key cache, this one included */
  int64_t key_capacity;  /* rows per (b, kv head) of the key cache, >= sk */
  int64_t code_capacity; /* rows n_max of the codebook, >= sk - init_offset */
  const void *query;     /* [b, h, 1, d] query_type */
  const void *key;       /* [b, h_kv, key_capacity, d] query_type; may be
                            NULL when no key is left to quantize */
  const void *centroids; /* [b, h_kv, S, C, ds'] centroid_type */
  const float *phi;      /* [b * h_kv * S] f32, metric ip only */
  void *codebook;        /* codes, layout per pqrt_config; appended in place */
  int64_t *num_cached;   /* HOST pointer: codes already in the codebook;
                            set to sk - init_offset by a successful step
                            (left alone on the full-attention path) */
  void *sparse_list;     /* out: [b, h, total] index_type */
  int64_t *sparse_len;   /* out: [b, h] */
  void *weight_list;     /* out: [b, h, sk] weight_type */
} pqrt_step;

/* Zeroes *value and sets struct_size = sizeof(pqrt_step). */
static inline void pqrt_step_init(pqrt_step *value) {
  memset(value, 0, sizeof(*value));
  value->struct_size = sizeof(*value);
}

/* An index build (SEMANTICS.md "Building the index"; since 1.1): k-means
 * per (b, kv head, subspace) over the keys [init_offset, seq_len), then the
 * codes of all n = seq_len - init_offset of them. pqrt_config supplies
 * head_dim, kv_heads, subspaces, bits, init_offset, metric, layout,
 * query_type (the key cache's type) and centroid_type (the centroids
 * written); the other fields need only be valid. For the reference the
 * buffers are host memory; for an indexer (pqrt_indexer_build) device
 * memory, except num_cached. */
typedef struct pqrt_build {
  size_t struct_size;    /* sizeof(pqrt_build): see pqrt_build_init */
  int64_t batch;         /* b */
  int64_t seq_len;       /* sk; n = sk - init_offset >= C is required */
  int64_t key_capacity;  /* rows per (b, kv head) of the key cache, >= sk */
  int64_t code_capacity; /* rows n_max of the codebook, >= n */
  int64_t kmeans_iter;   /* T: Lloyd iterations at most, in
                            [0, PQRT_MAX_KMEANS_ITER] */
  uint64_t seed;         /* initial indices when initial_indices is NULL:
                            docs/BUILD.md's seeded rule */
  const int64_t *initial_indices; /* [b * h_kv * S, C] distinct point
                                     indices in [0, n) per group, or NULL
                                     (an indexer: device memory, unchecked) */
  const void *key;       /* [b, h_kv, key_capacity, d] query_type */
  void *centroids;       /* out: [b, h_kv, S, C, ds'] centroid_type */
  float *phi;            /* out: [b * h_kv * S] f32, metric ip only */
  void *codebook;        /* out: codes of rows [0, n), layout per config */
  int64_t *num_cached;   /* out (host): n */
  int64_t *iterations;   /* out, optional: Lloyd iterations run; device
                            int64 for an indexer, host for the reference */
} pqrt_build;

/* Zeroes *value and sets struct_size = sizeof(pqrt_build). */
static inline void pqrt_build_init(pqrt_build *value) {
  memset(value, 0, sizeof(*value));
  value->struct_size = sizeof(*value);
}

/* Values SEMANTICS.md fixes for every implementation:
 * - NaN: a NaN score ranks as -inf (tied with the masked window positions,
 *   so among them the lower index wins, like any tie); a NaN quantization
 *   distance counts as +inf, so a key whose distances are all NaN gets
 *   code 0.
 * - Codes: every filled codebook entry must lie in [0, C). The CPU
 *   reference (pqrt_reference_*) rejects a violation with
 *   PQRT_INVALID_ARGUMENT naming the entry and writes nothing. A GPU
 *   indexer cannot read device memory before it launches: its kernels
 *   reduce such a code modulo C (they never read out of bounds because of
 *   one) and the call does not report it, as there is no device-side
 *   status yet; its outputs are then those of the reduced codes. */

/* total = entries per (b, h) row of sparse_list for this sk, and whether the
 * step takes the full-attention path (then total = sk). Either output may be
 * NULL when the caller does not want it; the configuration and seq_len are
 * checked all the same. */
PQRT_API pqrt_status pqrt_output_total(const pqrt_config *config,
                                       int64_t seq_len, int64_t *total,
                                       int *full_attention);

/*===------------------------------- Bundles ------------------------------===*/

/* A parsed and fully validated .pqmod bundle (host memory only). */
typedef struct pqrt_bundle pqrt_bundle;

typedef struct pqrt_bundle_info {
  size_t struct_size; /* sizeof(pqrt_bundle_info): see pqrt_bundle_info_init */
  const char *entry;  /* valid while the bundle lives */
  const char *producer;
  const char *strategy; /* "row", "split" or "cluster" */
  int64_t static_batch; /* 0: the batch is dynamic */
  int64_t max_seq_len;  /* the largest sk the module accepts */
  int quantize;         /* 1: the module quantizes new keys */
  int64_t workspace_bytes_per_batch;
  int num_kernels;
  int num_images;
  int has_build; /* since 1.2: 1 when the bundle carries the index build
                    (pqrt_indexer_build); 0 otherwise */
} pqrt_bundle_info;

/* Zeroes *value and sets struct_size = sizeof(pqrt_bundle_info). */
static inline void pqrt_bundle_info_init(pqrt_bundle_info *value) {
  memset(value, 0, sizeof(*value));
  value->struct_size = sizeof(*value);
}

/* PQRT_BAD_MODULE with a "bundle: ..." message on any defect (magic,
 * version, truncation, content hash, manifest fields). */
PQRT_API pqrt_status pqrt_bundle_load_file(const char *path, pqrt_bundle **out);
PQRT_API pqrt_status pqrt_bundle_load_memory(const void *data, size_t size,
                                             pqrt_bundle **out);
PQRT_API void pqrt_bundle_destroy(pqrt_bundle *bundle);

PQRT_API pqrt_status pqrt_bundle_get_info(const pqrt_bundle *bundle,
                                          pqrt_bundle_info *out);
/* The module's static configuration, usable with the pqrt_reference_*
 * functions to check a GPU step against the CPU. */
PQRT_API pqrt_status pqrt_bundle_get_config(const pqrt_bundle *bundle,
                                            pqrt_config *out);

/* Which image a GPU of compute capability sm (90 for sm_90) would load:
 * its arch ("sm_90"; valid while the bundle lives) and whether it is PTX
 * to be JIT-compiled. PQRT_UNSUPPORTED, naming the images the bundle has,
 * when none fits. Needs no GPU. */
PQRT_API pqrt_status pqrt_bundle_select_image(const pqrt_bundle *bundle, int sm,
                                              const char **arch, int *is_ptx);

/* Every check pqrt_indexer_run makes before launching (SEMANTICS.md rules,
 * the module's batch and max_seq_len, n_cached, NULL buffers, overflow),
 * without a GPU. Reads *num_cached but no buffer. */
PQRT_API pqrt_status pqrt_bundle_validate_step(const pqrt_bundle *bundle,
                                               int64_t max_batch,
                                               const pqrt_step *step);

/* Every check pqrt_indexer_build makes before launching, without a GPU
 * (since 1.2): PQRT_UNSUPPORTED when the bundle has no build. Reads no
 * buffer (not the initial indices either) and writes nothing. */
PQRT_API pqrt_status pqrt_bundle_validate_build(const pqrt_bundle *bundle,
                                                int64_t max_batch,
                                                const pqrt_build *build);

/*===---------------------------- GPU indexers ----------------------------===*/

/* The number of CUDA devices; PQRT_NO_DRIVER / PQRT_NO_DEVICE otherwise. */
PQRT_API pqrt_status pqrt_device_count(int *count);
/* The compute capability of a device as sm_XY's number: 90 for 9.0. */
PQRT_API pqrt_status pqrt_device_sm(int device, int *sm);

/* A bundle loaded on one GPU, ready to launch. */
typedef struct pqrt_indexer pqrt_indexer;

/* Loads the bundle's image for `device` (the cubin for its sm, else PTX
 * through the JIT, whose log is in the message on failure) into the
 * device's primary context, once per process and device, and allocates the
 * workspace for `max_batch` (0: the module's static batch). The bundle may
 * be destroyed afterwards. */
PQRT_API pqrt_status pqrt_indexer_create(const pqrt_bundle *bundle, int device,
                                         int64_t max_batch, pqrt_indexer **out);
PQRT_API void pqrt_indexer_destroy(pqrt_indexer *indexer);

/* Runs one step on `stream` (a CUstream / cudaStream_t of the device's
 * primary context -- the runtime API's context; NULL: the legacy default
 * stream). Validates every argument first and then only enqueues kernels:
 * no allocation, no synchronization, so it may be captured into a CUDA
 * graph. Outputs are ready when the stream says so; *num_cached is updated
 * on return. Runs of one indexer share its workspace: order them (one
 * stream) or use one indexer per concurrent stream. */
PQRT_API pqrt_status pqrt_indexer_run(const pqrt_indexer *indexer,
                                      const pqrt_step *step, void *stream);

/* The index build on the GPU (docs/BUILD.md; since 1.2): the same k-means
 * as pqrt_reference_build, from the bundle's "build" entry, configured by
 * the bundle (pqrt_bundle_get_config). Every pointer of `build` is device
 * memory except num_cached (host): initial_indices (optional) and
 * iterations (optional, one int64 written by the kernels) included. The
 * initial indices are not checked on the device: an index outside [0, n) is
 * reduced modulo n and duplicates are taken as given (as for codes, see
 * "Values SEMANTICS.md fixes"); pqrt_reference_build checks them. Otherwise
 * validates every argument first (batch in [1, max batch] and the static
 * batch, seq_len <= max_seq_len, n >= C, T, NULL buffers, capacities) and
 * writes nothing on an error; PQRT_UNSUPPORTED when the bundle has no build
 * (pqrt_bundle_info.has_build). Then only enqueues kernels on `stream`: no
 * allocation, no synchronization, graph-capturable. *num_cached is set to
 * n on return; the outputs are ready when the stream says so. Shares the
 * indexer's workspace with pqrt_indexer_run: order them on one stream. */
PQRT_API pqrt_status pqrt_indexer_build(const pqrt_indexer *indexer,
                                        const pqrt_build *build, void *stream);

/*===--------------------------- CPU reference ----------------------------===*/

/* The exact step of SEMANTICS.md on host buffers. */
PQRT_API pqrt_status pqrt_reference_run(const pqrt_config *config,
                                        const pqrt_step *step);

/* The reference's fp32 scores [b, h, n] (n = sk - init_offset; window not
 * masked) for the tie-aware comparison; every key must be quantized
 * (*num_cached == n). `scores` holds `capacity` floats. */
PQRT_API pqrt_status pqrt_reference_scores(const pqrt_config *config,
                                           const pqrt_step *step, float *scores,
                                           int64_t capacity);

/* The index build on host buffers: the oracle of the GPU build. Validates
 * everything first and writes nothing on error. */
PQRT_API pqrt_status pqrt_reference_build(const pqrt_config *config,
                                          const pqrt_build *build);

/* Read-only host views of one step's outputs. */
typedef struct pqrt_outputs {
  size_t struct_size;        /* sizeof(pqrt_outputs): see pqrt_outputs_init */
  const void *sparse_list;   /* [b, h, total] index_type */
  const int64_t *sparse_len; /* [b, h] */
  const void *weight_list;   /* [b, h, sk] weight_type */
} pqrt_outputs;

/* Zeroes *value and sets struct_size = sizeof(pqrt_outputs). */
static inline void pqrt_outputs_init(pqrt_outputs *value) {
  memset(value, 0, sizeof(*value));
  value->struct_size = sizeof(*value);
}

/* PQRT_OK when `actual` is a correct output of the step whose reference
 * outputs and scores (pqrt_reference_scores; NULL on the full-attention
 * path) are given, the tie-aware way of SEMANTICS.md; PQRT_MISMATCH naming
 * the first difference otherwise. relative_tolerance < 0 means the default
 * 1e-4 (0 demands equal scores). */
PQRT_API pqrt_status pqrt_reference_compare(const pqrt_config *config,
                                            int64_t batch, int64_t seq_len,
                                            const pqrt_outputs *reference,
                                            const float *scores,
                                            const pqrt_outputs *actual,
                                            double relative_tolerance);

/* PQRT_OK when two runs produced bitwise-identical outputs. */
PQRT_API pqrt_status pqrt_reference_compare_identical(
    const pqrt_config *config, int64_t batch, int64_t seq_len,
    const pqrt_outputs *first, const pqrt_outputs *second);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PQRT_PQRT_H */
