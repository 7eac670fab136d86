#include "firmware/linux/client_name.h"

#include <unistd.h>

#include <cctype>
#include <fstream>

namespace fedgate {
namespace {

// Keeps a name readable in logs: letters, digits, '-', '_' and '.'.
std::string sanitized(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    out += std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' ? static_cast<char>(c) : '-';
  }
  return out;
}

}  // namespace

std::string default_client_name(const std::string& hostname, const std::string& machine_id,
                                uint32_t index) {
  std::string name = hostname.empty() ? "client" : sanitized(hostname);
  std::string id;
  for (const unsigned char c : machine_id) {
    if (std::isxdigit(c) != 0 && id.size() < 8) id += static_cast<char>(std::tolower(c));
  }
  if (id.size() == 8) name += "-" + id;
  return name + "-" + std::to_string(index);
}

std::string default_client_name(uint32_t index) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string machine_id;
  std::ifstream("/etc/machine-id") >> machine_id;
  return default_client_name(host, machine_id, index);
}

}  // namespace fedgate
