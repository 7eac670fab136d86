#include "core/base/param_reader.h"

#include <cmath>
#include <cstring>

namespace fedgate {

ParamReader::ParamReader(Span<const NamedParam> params, const char* family, const char* policy)
    : params_(params.size() <= kMaxParams ? params : params.subspan(0, kMaxParams)),
      family_(family),
      policy_(policy) {}

int ParamReader::find(const char* key) const {
  const size_t family_length = std::strlen(family_);
  for (size_t i = 0; i < params_.size(); ++i) {
    const char* name = params_[i].name;
    if (name == nullptr || std::strncmp(name, family_, family_length) != 0 ||
        name[family_length] != '.') {
      continue;
    }
    if (std::strcmp(name + family_length + 1, key) == 0) return static_cast<int>(i);
  }
  return -1;
}

Status ParamReader::number(const char* key, double fallback, double min, double max, double* out) {
  const int at = find(key);
  const double value = at < 0 ? fallback : params_[at].value;
  if (at >= 0) used_[at] = true;
  if (!std::isfinite(value) || value < min || value > max) {
    return Status::error(StatusCode::kOutOfRange, "[%s.%s] %s = %g is outside [%g, %g]", family_,
                         policy_, key, value, min, max);
  }
  *out = value;
  return Status::ok();
}

Status ParamReader::number_above(const char* key, double fallback, double min_exclusive, double max,
                                 double* out) {
  const int at = find(key);
  const double value = at < 0 ? fallback : params_[at].value;
  if (at >= 0) used_[at] = true;
  if (!std::isfinite(value) || value <= min_exclusive || value > max) {
    return Status::error(StatusCode::kOutOfRange, "[%s.%s] %s = %g is outside (%g, %g]", family_,
                         policy_, key, value, min_exclusive, max);
  }
  *out = value;
  return Status::ok();
}

Status ParamReader::count(const char* key, uint32_t fallback, uint32_t min, uint32_t max,
                          uint32_t* out) {
  double value = 0;
  FG_TRY(number(key, fallback, min, max, &value));
  if (value != std::floor(value)) {
    return Status::error(StatusCode::kOutOfRange, "[%s.%s] %s = %g must be a whole number", family_,
                         policy_, key, value);
  }
  *out = static_cast<uint32_t>(value);
  return Status::ok();
}

Status ParamReader::read(const ParamSpec& spec, double* out) {
  if (spec.kind == ParamKind::kAbove) {
    return number_above(spec.key, spec.fallback, spec.min, spec.max, out);
  }
  if (spec.kind == ParamKind::kCount) {
    uint32_t whole = 0;
    FG_TRY(count(spec.key, static_cast<uint32_t>(spec.fallback), static_cast<uint32_t>(spec.min),
                 static_cast<uint32_t>(spec.max), &whole));
    *out = whole;
    return Status::ok();
  }
  return number(spec.key, spec.fallback, spec.min, spec.max, out);
}

Status ParamReader::read(const ParamSpec& spec, uint32_t* out) {
  double value = 0;
  FG_TRY(read(spec, &value));
  *out = static_cast<uint32_t>(value);
  return Status::ok();
}

bool param_in_range(const ParamSpec& spec, double value) {
  if (!std::isfinite(value) || value > spec.max) return false;
  if (spec.kind == ParamKind::kAbove) return value > spec.min;
  if (value < spec.min) return false;
  return spec.kind != ParamKind::kCount || value == std::floor(value);
}

Status ParamReader::check_all_used() const {
  const size_t family_length = std::strlen(family_);
  for (size_t i = 0; i < params_.size(); ++i) {
    const char* name = params_[i].name;
    if (name == nullptr || used_[i] || std::strncmp(name, family_, family_length) != 0 ||
        name[family_length] != '.') {
      continue;
    }
    return Status::error(StatusCode::kInvalidArgument, "[%s.%s] has no setting '%s'", family_,
                         policy_, name + family_length + 1);
  }
  return Status::ok();
}

}  // namespace fedgate
