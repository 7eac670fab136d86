#include "curve/curve_key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <zmq.h>

namespace fedgate {
namespace {

struct KeyLine {
  std::string name;  // "public-key", "secret-key", or "" for a bare key
  std::string value;
};

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// Parses `name = "value"` or a bare key; false for anything else.
bool parse_key_line(const std::string& raw, KeyLine* out) {
  const std::string line = trim(raw);
  const size_t equals = line.find('=');
  if (equals == std::string::npos) {
    out->name.clear();
    out->value = line;
    return is_z85_key(line);
  }
  out->name = trim(line.substr(0, equals));
  std::string value = trim(line.substr(equals + 1));
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return false;
  out->value = value.substr(1, value.size() - 2);
  return true;
}

// Every key line of a file, checked; comments and blank lines skipped.
Result<std::vector<KeyLine>> read_key_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::error(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable,
                         "cannot read key file %s: %s", path.c_str(), std::strerror(errno));
  }
  std::vector<KeyLine> lines;
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    const std::string line = trim(raw);
    KeyLine key;
    // A bare key first: Z85 has '#' and '=' in its alphabet.
    if (is_z85_key(line)) {
      lines.push_back(KeyLine{"", line});
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    if (!parse_key_line(line, &key) || !is_z85_key(key.value)) {
      return Status::error(StatusCode::kInvalidArgument,
                           "%s:%d: expected public-key = \"<40 Z85 characters>\"", path.c_str(),
                           number);
    }
    lines.push_back(key);
  }
  return lines;
}

const std::string* find_key(const std::vector<KeyLine>& lines, const char* name) {
  for (const KeyLine& line : lines) {
    if (line.name == name) return &line.value;
  }
  return nullptr;
}

Status write_file(const std::string& path, const std::string& text, mode_t mode) {
  // O_EXCL: a key pair is never overwritten by accident.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    return Status::error(StatusCode::kUnavailable, "cannot create %s: %s", path.c_str(),
                         std::strerror(errno));
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    return Status::error(StatusCode::kUnavailable, "cannot write %s", path.c_str());
  }
  return Status::ok();
}

}  // namespace

bool is_z85_key(const std::string& text) {
  if (text.size() != kZ85KeyLength) return false;
  uint8_t decoded[32];
  return zmq_z85_decode(decoded, text.c_str()) != nullptr;
}

Result<CurveKeyPair> generate_curve_key_pair() {
  char public_key[kZ85KeyLength + 1];
  char secret_key[kZ85KeyLength + 1];
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status::error(StatusCode::kUnavailable, "libzmq cannot make CURVE keys: %s",
                         zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{public_key, secret_key};
}

Status write_curve_key_files(const std::string& base, const CurveKeyPair& pair) {
  const std::string public_line = "public-key = \"" + pair.public_key + "\"\n";
  FG_TRY(write_file(base + ".key",
                    "# fedgate CURVE key pair: keep this file secret (docs/security.md)\n" +
                        public_line + "secret-key = \"" + pair.secret_key + "\"\n",
                    0600));
  return write_file(base + ".pub", "# fedgate CURVE public key\n" + public_line, 0644);
}

Result<std::string> read_curve_public_key(const std::string& path) {
  FG_ASSIGN_OR_RETURN(std::vector<KeyLine> lines, read_key_lines(path));
  if (const std::string* key = find_key(lines, "public-key")) return *key;
  if (lines.size() == 1 && lines[0].name.empty()) return lines[0].value;
  return Status::error(StatusCode::kInvalidArgument, "%s: no public-key line", path.c_str());
}

Result<CurveKeyPair> read_curve_key_pair(const std::string& path) {
  FG_ASSIGN_OR_RETURN(std::vector<KeyLine> lines, read_key_lines(path));
  const std::string* public_key = find_key(lines, "public-key");
  const std::string* secret_key = find_key(lines, "secret-key");
  if (public_key == nullptr || secret_key == nullptr) {
    return Status::error(StatusCode::kInvalidArgument,
                         "%s: a key pair file needs a public-key and a secret-key line",
                         path.c_str());
  }
  char derived[kZ85KeyLength + 1];
  if (zmq_curve_public(derived, secret_key->c_str()) != 0 || *public_key != derived) {
    return Status::error(StatusCode::kInvalidArgument,
                         "%s: public-key does not belong to secret-key", path.c_str());
  }
  return CurveKeyPair{*public_key, *secret_key};
}

Result<std::vector<std::string>> read_curve_allow_list(const std::string& path) {
  std::error_code error;
  std::vector<std::string> keys;
  if (!std::filesystem::is_directory(path, error)) {
    FG_ASSIGN_OR_RETURN(std::vector<KeyLine> lines, read_key_lines(path));
    for (const KeyLine& line : lines) {
      if (line.name == "secret-key") {
        return Status::error(StatusCode::kInvalidArgument,
                             "%s holds a secret-key: the allow-list takes public keys only",
                             path.c_str());
      }
      keys.push_back(line.value);
    }
    return keys;
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    if (entry.path().extension() == ".pub") files.push_back(entry.path().string());
  }
  if (error) {
    return Status::error(StatusCode::kUnavailable, "cannot list %s: %s", path.c_str(),
                         error.message().c_str());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    FG_ASSIGN_OR_RETURN(std::string key, read_curve_public_key(file));
    keys.push_back(key);
  }
  return keys;
}

}  // namespace fedgate
