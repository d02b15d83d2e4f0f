//===- JsonFields.h - Typed reads of manifest fields ------------*- C++ -*-===//
//
// Every manifest read goes through FieldReader so that each defect produces
// the same kind of message, naming the full field path:
//   bundle: manifest field 'step.heads' must be a positive integer
// It also remembers which keys were read, so unknown fields are rejected.
//
//===----------------------------------------------------------------------===//

#ifndef PQRT_LIB_BUNDLE_JSONFIELDS_H
#define PQRT_LIB_BUNDLE_JSONFIELDS_H

#include "pqrt/Config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pqrt {
namespace bundle {

using Json = nlohmann::json;

/// BadModule "bundle: manifest field '<path>' <problem>".
Status fieldError(const std::string &path, const std::string &problem);

/// "step" + "heads" -> "step.heads"; "" + "entry" -> "entry".
std::string childPath(const std::string &parent, const std::string &key);
/// "kernels" + 2 -> "kernels[2]".
std::string elementPath(const std::string &parent, size_t index);

/// Reads an integer node in [min, max]; `expected` words the requirement
/// ("a positive integer").
Status readInteger(const Json &node, const std::string &path, int64_t min,
                   int64_t max, const char *expected, int64_t &out);

class FieldReader {
public:
  /// `object` must outlive the reader; `path` is "" for the top level.
  FieldReader(const Json &object, std::string path)
      : object(object), path(std::move(path)) {}

  /// Whether the object has `key` (an optional field; read it with the
  /// typed readers, which mark it as known).
  bool has(const char *key) const { return object.contains(key); }
  /// The node of a required field, or a "is missing" error.
  Status node(const char *key, const Json *&out);
  Status integer(const char *key, int64_t min, int64_t max,
                 const char *expected, int64_t &out);
  Status string(const char *key, std::string &out);
  Status boolean(const char *key, bool &out);
  /// A string that must be one of `choices`; `out` gets the value paired
  /// with the matching text.
  Status choice(const char *key,
                const std::vector<std::pair<const char *, int>> &choices,
                int &out);
  Status objectField(const char *key, const Json *&out);
  Status arrayField(const char *key, const Json *&out);
  /// Rejects keys not read so far: "unknown manifest field 'step.foo'".
  Status rejectUnknown() const;

  std::string pathOf(const char *key) const { return childPath(path, key); }

private:
  const Json &object;
  std::string path;
  std::set<std::string> seen;
};

} // namespace bundle
} // namespace pqrt

#endif // PQRT_LIB_BUNDLE_JSONFIELDS_H
