//===- JsonFields.cpp - Typed, path-aware reads of manifest fields --------===//

#include "JsonFields.h"

#include <limits>

namespace pqrt {
namespace bundle {

Status fieldError(const std::string &path, const std::string &problem) {
  return {StatusCode::BadModule,
          "bundle: manifest field '" + path + "' " + problem};
}

std::string childPath(const std::string &parent, const std::string &key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string elementPath(const std::string &parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

Status readInteger(const Json &node, const std::string &path, int64_t min,
                   int64_t max, const char *expected, int64_t &out) {
  // Floats (even 4.0), booleans and strings are not integers here.
  if (!node.is_number_integer()) {
    return fieldError(path, std::string("must be ") + expected);
  }
  if (node.is_number_unsigned() &&
      node.get<uint64_t>() >
          static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return fieldError(path, std::string("must be ") + expected);
  }
  int64_t value = node.get<int64_t>();
  if (value < min || value > max) {
    return fieldError(path, std::string("must be ") + expected + " in [" +
                                std::to_string(min) + ", " +
                                std::to_string(max) + "], not " +
                                std::to_string(value));
  }
  out = value;
  return Status::success();
}

Status FieldReader::node(const char *key, const Json *&out) {
  seen.insert(key);
  auto it = object.find(key);
  if (it == object.end()) {
    return fieldError(pathOf(key), "is missing");
  }
  out = &*it;
  return Status::success();
}

Status FieldReader::integer(const char *key, int64_t min, int64_t max,
                            const char *expected, int64_t &out) {
  const Json *value = nullptr;
  Status status = node(key, value);
  if (!status.ok()) {
    return status;
  }
  return readInteger(*value, pathOf(key), min, max, expected, out);
}

Status FieldReader::string(const char *key, std::string &out) {
  const Json *value = nullptr;
  Status status = node(key, value);
  if (!status.ok()) {
    return status;
  }
  if (!value->is_string()) {
    return fieldError(pathOf(key), "must be a string");
  }
  out = value->get<std::string>();
  return Status::success();
}

Status FieldReader::boolean(const char *key, bool &out) {
  const Json *value = nullptr;
  Status status = node(key, value);
  if (!status.ok()) {
    return status;
  }
  if (!value->is_boolean()) {
    return fieldError(pathOf(key), "must be true or false");
  }
  out = value->get<bool>();
  return Status::success();
}

Status
FieldReader::choice(const char *key,
                    const std::vector<std::pair<const char *, int>> &choices,
                    int &out) {
  std::string text;
  Status status = string(key, text);
  if (!status.ok() && !object.contains(key)) {
    return status; // "is missing" says more than the list of choices
  }
  std::string allowed;
  for (const auto &entry : choices) {
    if (status.ok() && text == entry.first) {
      out = entry.second;
      return Status::success();
    }
    allowed += (allowed.empty() ? "'" : ", '") + std::string(entry.first) + "'";
  }
  return fieldError(pathOf(key), "must be one of " + allowed);
}

Status FieldReader::objectField(const char *key, const Json *&out) {
  Status status = node(key, out);
  if (status.ok() && !out->is_object()) {
    return fieldError(pathOf(key), "must be an object");
  }
  return status;
}

Status FieldReader::arrayField(const char *key, const Json *&out) {
  Status status = node(key, out);
  if (status.ok() && !out->is_array()) {
    return fieldError(pathOf(key), "must be an array");
  }
  return status;
}

Status FieldReader::rejectUnknown() const {
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!seen.count(it.key())) {
      return {StatusCode::BadModule, "bundle: unknown manifest field '" +
                                         pathOf(it.key().c_str()) + "'"};
    }
  }
  return Status::success();
}

} // namespace bundle
} // namespace pqrt
