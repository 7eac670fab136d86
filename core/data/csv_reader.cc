// CSV reader. Numbers are parsed with std::from_chars, which is locale-free
// (a German LC_NUMERIC must not turn "0.5" into an error) and never throws.
#include "core/data/csv_reader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

namespace fedgate {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// from_chars rejects a leading '+', which spreadsheets sometimes write.
std::string_view drop_plus(std::string_view s) {
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  return s;
}

bool parse_float(std::string_view s, float* out) {
  s = drop_plus(s);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(*out);
}

bool parse_int(std::string_view s, long long* out) {
  s = drop_plus(s);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

void split_fields(std::string_view line, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields->push_back(trim(line.substr(start)));
      return;
    }
    fields->push_back(trim(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

Status read_file(const std::string& path, std::string* text) {
  const char* name = path.c_str();  // errors name the full path
  if (path.empty()) return Status::error(StatusCode::kInvalidArgument, "CSV path is empty");
  errno = 0;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Status::error(StatusCode::kNotFound, "cannot open %s: %s", name, std::strerror(errno));
  }
  char buffer[64 * 1024];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text->append(buffer, got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return Status::error(StatusCode::kDataLoss, "%s: read error", name);
  return Status::ok();
}

}  // namespace

Result<Dataset> load_csv(const std::string& path, const CsvOptions& options) {
  std::string text;
  FG_TRY(read_file(path, &text));
  const char* name = path.c_str();  // errors name the full path

  Dataset data;
  std::vector<std::string_view> fields;
  size_t expected_fields = 0;  // 0 until the first non-empty line
  size_t first_line = 0;       // line number that set expected_fields
  size_t label_index = 0;
  int32_t max_label = -1;
  size_t line_number = 0;
  std::string_view rest(text);
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    const std::string_view line =
        trim(newline == std::string_view::npos ? rest : rest.substr(0, newline));
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    ++line_number;
    if (line.empty()) continue;
    split_fields(line, &fields);

    if (expected_fields == 0) {
      expected_fields = fields.size();
      first_line = line_number;
      if (expected_fields < 2) {
        return Status::error(StatusCode::kInvalidArgument,
                             "%s line %zu: need a label and at least one feature, got %zu field",
                             name, line_number, expected_fields);
      }
      const long long column = options.label_column < 0
                                   ? static_cast<long long>(expected_fields) + options.label_column
                                   : options.label_column;
      if (column < 0 || column >= static_cast<long long>(expected_fields)) {
        return Status::error(StatusCode::kInvalidArgument,
                             "%s: label_column %d outside the %zu fields, allowed -%zu..%zu", name,
                             options.label_column, expected_fields, expected_fields,
                             expected_fields - 1);
      }
      label_index = static_cast<size_t>(column);
      data.num_features = static_cast<uint32_t>(expected_fields - 1);
      float probe;
      if (!parse_float(fields[0], &probe)) continue;  // a header line
    } else if (fields.size() != expected_fields) {
      return Status::error(StatusCode::kInvalidArgument,
                           "%s line %zu: %zu fields, but line %zu has %zu", name, line_number,
                           fields.size(), first_line, expected_fields);
    }

    for (size_t i = 0; i < fields.size(); ++i) {
      if (i == label_index) continue;
      float value;
      if (!parse_float(fields[i], &value)) {
        return Status::error(StatusCode::kInvalidArgument,
                             "%s line %zu field %zu: '%.20s' is not a finite number", name,
                             line_number, i + 1, std::string(fields[i]).c_str());
      }
      data.features.push_back(value * options.scale);
    }
    const std::string_view label_text = fields[label_index];
    if (options.regression) {
      float target;
      if (!parse_float(label_text, &target)) {
        return Status::error(StatusCode::kInvalidArgument,
                             "%s line %zu: target '%.20s' is not a finite number", name,
                             line_number, std::string(label_text).c_str());
      }
      data.targets.push_back(target);
    } else {
      long long label;
      if (!parse_int(label_text, &label) || label < 0 || label > kMaxCsvLabel) {
        return Status::error(StatusCode::kInvalidArgument,
                             "%s line %zu: label '%.20s' is not an integer in 0..%d", name,
                             line_number, std::string(label_text).c_str(), kMaxCsvLabel);
      }
      if (label > max_label) max_label = static_cast<int32_t>(label);
      data.labels.push_back(static_cast<int32_t>(label));
    }
  }
  if (data.labels.empty() && data.targets.empty()) {
    return Status::error(StatusCode::kInvalidArgument, "%s holds no data rows", name);
  }
  data.num_classes = options.regression ? 0 : static_cast<uint32_t>(max_label) + 1;
  return data;
}

}  // namespace fedgate
