//===- Bundle.h - A parsed .pqmod module bundle -----------------*- C++ -*-===//
//
// The typed form of docs/BUNDLE.md: the manifest's fields, checked, and the
// image section. Parsing validates everything up front so the indexer can
// trust every field; a bundle that parses is launchable on some device.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_BUNDLE_BUNDLE_H
#define PQRT_LIB_BUNDLE_BUNDLE_H

#include "pqrt/Config.h"
#include "pqrt/KernelParamList.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pqrt {
namespace bundle {

constexpr char kMagic[8] = {'P', 'Q', 'M', 'O', 'D', '0', '1', '\n'};
constexpr int64_t kVersion = 1;
constexpr size_t kHeaderSize = 16;

/// The kernel parameters a module may take, in docs/BUNDLE.md's vocabulary
/// and order (pqrt/KernelParamList.h, shared with the compiler).
enum class ParamName {
#define PQRT_PARAM_ENUMERATOR(name, text, kind) name,
  PQRT_KERNEL_PARAMS(PQRT_PARAM_ENUMERATOR)
#undef PQRT_PARAM_ENUMERATOR
};
#define PQRT_PARAM_ONE(name, text, kind) +1
constexpr int kNumParamNames = 0 PQRT_KERNEL_PARAMS(PQRT_PARAM_ONE);
#undef PQRT_PARAM_ONE
enum class ParamKind { Memref, I64 };

/// "query", "seq_len", ...
const char *paramNameText(ParamName name);
ParamKind paramKindOf(ParamName name);
/// Parses a manifest name; false when it is not one of the list.
bool parseParamName(const std::string &text, ParamName &out);
/// Whether the step's kernels may take `name` (every name but the build's
/// own: initial, iterations, seed, iteration, kmeans_iter).
bool stepMayTake(ParamName name);
/// Whether the build's kernels may take `name` (every name but the step's
/// own: query, sparse_list, sparse_len, weight_list, num_cached).
bool buildMayTake(ParamName name);

/// A grid entry: a constant or the call's batch.
struct GridDim {
  bool isBatch = false;
  uint32_t value = 1;
};

struct KernelSpec {
  std::string name;
  std::array<GridDim, 3> grid;
  std::array<uint32_t, 3> block = {1, 1, 1};
  uint32_t smem = 0; // dynamic shared memory, bytes
  std::array<uint32_t, 3> cluster = {1, 1, 1};
  /// Names of the phase timestamps the kernel records (docs/BUNDLE.md,
  /// Phase timers); empty unless compiled with --phase-timers. Included in
  /// workspace_bytes_per_batch; the runtime only allocates and passes them.
  std::vector<std::string> phaseTimers;

  bool clustered() const {
    return cluster[0] != 1 || cluster[1] != 1 || cluster[2] != 1;
  }
};

/// When a build kernel is launched (docs/BUNDLE.md "build"): once before
/// the Lloyd iterations, once per iteration, or once after them.
enum class BuildPhase { Prologue, Iteration, Epilogue };

/// "prologue", "iteration", "epilogue".
const char *buildPhaseText(BuildPhase phase);

struct BuildKernelSpec : KernelSpec {
  BuildPhase phase = BuildPhase::Prologue;
};

/// The index build (docs/BUNDLE.md "build", docs/BUILD.md): kernels of the
/// same images as the step's, configured by the manifest's "step".
struct BuildSpec {
  std::string entry;
  /// Bytes: the build's workspace is an i8 memref.
  uint64_t workspaceBytesPerBatch = 0;
  std::vector<ParamName> params;
  /// In launch order: the prologue kernels, then the iteration kernels,
  /// then the epilogue kernels (the parser enforces it).
  std::vector<BuildKernelSpec> kernels;

  bool hasParam(ParamName name) const;
};

enum class ImageFormat { Ptx, Cubin };

struct ImageSpec {
  std::string arch;          // as written: "sm_90", "sm_90a"
  int sm = 0;                // 90 for sm_90 and sm_90a
  bool archSpecific = false; // an "a"/"f" suffix: runs on exactly `sm`
  ImageFormat format = ImageFormat::Ptx;
  uint64_t offset = 0; // into the image section
  uint64_t size = 0;
};

enum class Strategy { Row, Split, Cluster };

struct Bundle {
  std::string entry;
  std::string producer;
  /// The static configuration. batch is the static batch, or 1 when the
  /// batch is dynamic; the capacities are 0 (they are per call).
  StepConfig step;
  int64_t staticBatch = 0; // 0: dynamic
  int64_t maxSeqLen = 0;
  bool quantize = false;
  Strategy strategy = Strategy::Row;
  uint64_t workspaceBytesPerBatch = 0;
  std::vector<ParamName> params;
  std::vector<KernelSpec> kernels;
  std::vector<ImageSpec> images;
  /// The optional "build" entry; absent in bundles without one.
  std::optional<BuildSpec> build;
  uint64_t contentHash = 0;
  std::vector<uint8_t> imageSection;

  bool hasParam(ParamName name) const;
  /// Bytes per batch entry of the indexer's one workspace, which serves
  /// both the step and the build: the larger of the two.
  uint64_t sharedWorkspaceBytesPerBatch() const {
    uint64_t buildBytes = build ? build->workspaceBytesPerBatch : 0;
    return workspaceBytesPerBatch > buildBytes ? workspaceBytesPerBatch
                                               : buildBytes;
  }
  const uint8_t *imageData(const ImageSpec &image) const {
    return imageSection.data() + image.offset;
  }
};

/// Parses and validates a whole bundle held in memory. BadModule with a
/// "bundle: ..." message on any defect; `out` is unspecified then.
Status parseBundle(const void *data, size_t size, Bundle &out);
/// Reads `path` and parses it; InvalidArgument when it cannot be read.
Status readBundleFile(const char *path, Bundle &out);

/// FNV-1a 64 (the content hash of docs/BUNDLE.md).
uint64_t fnv1a64(const void *data, size_t size);
/// "fnv1a64:<16 lower-case hex digits>".
std::string formatContentHash(uint64_t hash);

/// Parses "sm_90", "sm_90a", "sm_100f" into its number and suffix.
bool parseArch(const std::string &arch, int &sm, bool &archSpecific);
/// "sm_XY" of a compute capability.
inline int smOf(int major, int minor) { return major * 10 + minor; }

/// Picks the image for a device of compute capability `deviceSm` (pure, so
/// it is testable without a GPU): the cubin built for exactly that sm, else
/// the PTX of the newest arch not above it (arch-specific PTX only for
/// exactly that sm). Unsupported, naming the images it has, when none fits.
Status selectImage(const Bundle &bundle, int deviceSm, size_t &index);

} // namespace bundle
} // namespace pqrt

#endif // PQRT_LIB_BUNDLE_BUNDLE_H
