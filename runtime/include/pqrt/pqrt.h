/*===- pqrt.h - C API of the pq indexer runtime -------------------*- C -*-===*\
|*                                                                            *|
|* libpqrt runs indexers compiled by pq-compile (.pqmod bundles) on NVIDIA    *|
|* GPUs through the CUDA driver API, and carries the CPU reference of the     *|
|* step. It links neither MLIR/LLVM nor libcuda: the driver is opened at      *|
|* first use, and without one every GPU call returns PQRT_NO_DRIVER.          *|
|*                                                                            *|
|* Conventions:                                                               *|
|* - Every function that can fail returns a pqrt_status; PQRT_OK is 0. The   *|
|*   message of the latest call on the calling thread is pqrt_last_error().   *|
|* - Handles are opaque; destroy functions accept NULL. Outputs are written  *|
|*   only on success. Nothing in the library exits or aborts the process.     *|
|* - Buffers are row-major and contiguous with the shapes of SEMANTICS.md,    *|
|*   typed by the pqrt_config. num_cached is always a host pointer.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef PQRT_PQRT_H
#define PQRT_PQRT_H

#include <stddef.h>
#include <stdint.h>

#if defined(PQRT_BUILDING_LIBRARY)
#define PQRT_API __attribute__((visibility("default")))
#else
#define PQRT_API
#endif

/* The API version. Structs only grow at the end, in a new minor version. */
#define PQRT_VERSION_MAJOR 0
#define PQRT_VERSION_MINOR 1

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

/* One step: the per-call sizes and the buffers. For an indexer the buffers
 * are device memory; for the reference, host memory. */
typedef struct pqrt_step {
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

/* total = entries per (b, h) row of sparse_list for this sk, and whether the
 * step takes the full-attention path (then total = sk). */
PQRT_API pqrt_status pqrt_output_total(const pqrt_config *config,
                                       int64_t seq_len, int64_t *total,
                                       int *full_attention);

/*===------------------------------- Bundles ------------------------------===*/

/* A parsed and fully validated .pqmod bundle (host memory only). */
typedef struct pqrt_bundle pqrt_bundle;

typedef struct pqrt_bundle_info {
  const char *entry; /* valid while the bundle lives */
  const char *producer;
  const char *strategy; /* "row", "split" or "cluster" */
  int64_t static_batch; /* 0: the batch is dynamic */
  int64_t max_seq_len;  /* the largest sk the module accepts */
  int quantize;         /* 1: the module quantizes new keys */
  int64_t workspace_bytes_per_batch;
  int num_kernels;
  int num_images;
} pqrt_bundle_info;

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

/* Read-only host views of one step's outputs. */
typedef struct pqrt_outputs {
  const void *sparse_list;   /* [b, h, total] index_type */
  const int64_t *sparse_len; /* [b, h] */
  const void *weight_list;   /* [b, h, sk] weight_type */
} pqrt_outputs;

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
