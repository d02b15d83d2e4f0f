//===- BundleFile.cpp - A .pqmod bundle loaded through libpqrt ------------===//

#include "BundleFile.h"

#include "CApiBridge.h"

namespace pqrun {

using pqrt::Status;

std::string BundleFile::imageFor(int sm) const {
  const char *arch = nullptr;
  int isPtx = 0;
  if (pqrt_bundle_select_image(handle.get(), sm, &arch, &isPtx) != PQRT_OK) {
    return pqrt_last_error();
  }
  return std::string(arch) + (isPtx ? " PTX (JIT)" : " cubin");
}

Status loadBundleFile(const std::string &path,
                      std::shared_ptr<const BundleFile> &out) {
  pqrt_bundle *raw = nullptr;
  Status status = fromC(pqrt_bundle_load_file(path.c_str(), &raw), path);
  if (!status.ok()) {
    return status;
  }
  auto file = std::make_shared<BundleFile>();
  file->path = path;
  file->handle.reset(raw, pqrt_bundle_destroy);
  pqrt_config c;
  pqrt_config_init(&c);
  pqrt_bundle_info_init(&file->info);
  status = fromC(pqrt_bundle_get_info(raw, &file->info), path);
  if (status.ok()) {
    status = fromC(pqrt_bundle_get_config(raw, &c), path);
  }
  if (status.ok()) {
    status = pqrt::capi::fromCConfig(&c, file->config);
  }
  if (!status.ok()) {
    return status;
  }
  if (file->info.static_batch > 0) {
    file->config.batch = file->info.static_batch;
  }
  out = std::move(file);
  return Status::success();
}

} // namespace pqrun
