//===- BundleApi.cpp - pqrt_bundle_* --------------------------------------===//

#include "CApi.h"

using namespace pqrt;

namespace {

pqrt_status loadWith(pqrt_bundle **out,
                     Status (*load)(const void *, size_t, bundle::Bundle &),
                     const void *data, size_t size) {
  return capi::guarded([&]() -> Status {
    if (!out) {
      return capi::nullArgument("out");
    }
    auto parsed = std::make_shared<bundle::Bundle>();
    Status status = load(data, size, *parsed);
    if (status.ok()) {
      *out = new pqrt_bundle{std::move(parsed)};
    }
    return status;
  });
}

const char *strategyText(bundle::Strategy strategy) {
  switch (strategy) {
  case bundle::Strategy::Row:
    return "row";
  case bundle::Strategy::Split:
    return "split";
  case bundle::Strategy::Cluster:
    return "cluster";
  }
  return "unknown";
}

} // namespace

extern "C" {

pqrt_status pqrt_bundle_load_memory(const void *data, size_t size,
                                    pqrt_bundle **out) {
  if (!data) {
    return capi::finish(capi::nullArgument("data"));
  }
  return loadWith(out, bundle::parseBundle, data, size);
}

pqrt_status pqrt_bundle_load_file(const char *path, pqrt_bundle **out) {
  auto fromFile = [](const void *name, size_t, bundle::Bundle &parsed) {
    return bundle::readBundleFile(static_cast<const char *>(name), parsed);
  };
  if (!path) {
    return capi::finish(capi::nullArgument("path"));
  }
  return loadWith(out, fromFile, path, 0);
}

void pqrt_bundle_destroy(pqrt_bundle *bundle) { delete bundle; }

pqrt_status pqrt_bundle_get_info(const pqrt_bundle *bundle,
                                 pqrt_bundle_info *out) {
  return capi::guarded([&]() -> Status {
    if (!bundle) {
      return capi::nullArgument("bundle");
    }
    Status status = capi::checkWritable("out", out);
    if (!status.ok()) {
      return status;
    }
    const bundle::Bundle &b = *bundle->bundle;
    pqrt_bundle_info info;
    pqrt_bundle_info_init(&info);
    info.entry = b.entry.c_str();
    info.producer = b.producer.c_str();
    info.strategy = strategyText(b.strategy);
    info.static_batch = b.staticBatch;
    info.max_seq_len = b.maxSeqLen;
    info.quantize = b.quantize ? 1 : 0;
    info.workspace_bytes_per_batch = int64_t(b.workspaceBytesPerBatch);
    info.num_kernels = int(b.kernels.size());
    info.num_images = int(b.images.size());
    info.has_build = b.build ? 1 : 0;
    capi::writeStruct(out, info);
    return Status::success();
  });
}

pqrt_status pqrt_bundle_get_config(const pqrt_bundle *bundle,
                                   pqrt_config *out) {
  return capi::guarded([&]() -> Status {
    if (!bundle) {
      return capi::nullArgument("bundle");
    }
    Status status = capi::checkWritable("out", out);
    if (status.ok()) {
      capi::writeStruct(out, capi::toCConfig(bundle->bundle->step));
    }
    return status;
  });
}

pqrt_status pqrt_bundle_select_image(const pqrt_bundle *bundle, int sm,
                                     const char **arch, int *is_ptx) {
  return capi::guarded([&]() -> Status {
    if (!bundle) {
      return capi::nullArgument("bundle");
    }
    size_t index = 0;
    Status status = bundle::selectImage(*bundle->bundle, sm, index);
    if (status.ok()) {
      const bundle::ImageSpec &image = bundle->bundle->images[index];
      if (arch) {
        *arch = image.arch.c_str();
      }
      if (is_ptx) {
        *is_ptx = image.format == bundle::ImageFormat::Ptx ? 1 : 0;
      }
    }
    return status;
  });
}

pqrt_status pqrt_bundle_validate_step(const pqrt_bundle *bundle,
                                      int64_t max_batch,
                                      const pqrt_step *step) {
  return capi::guarded([&]() -> Status {
    if (!bundle) {
      return capi::nullArgument("bundle");
    }
    pqrt_step copy;
    Status status = capi::readStruct("step", step, copy);
    if (!status.ok()) {
      return status;
    }
    return indexer::validateRun(*bundle->bundle, max_batch,
                                capi::runArgs(copy));
  });
}

pqrt_status pqrt_bundle_validate_build(const pqrt_bundle *bundle,
                                       int64_t max_batch,
                                       const pqrt_build *build) {
  return capi::guarded([&]() -> Status {
    if (!bundle) {
      return capi::nullArgument("bundle");
    }
    pqrt_build copy;
    Status status = capi::readStruct("build", build, copy);
    if (!status.ok()) {
      return status;
    }
    return indexer::validateBuildRun(*bundle->bundle, max_batch,
                                     capi::buildRunArgs(copy));
  });
}

} // extern "C"
