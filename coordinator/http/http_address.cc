#include "coordinator/http/http_address.h"

#include <cstdlib>

namespace fedgate {

Result<HttpAddress> parse_http_address(const std::string& text) {
  const auto bad = [&text](const char* why) {
    return Status::error(StatusCode::kInvalidArgument,
                         "server.http '%s' is not HOST:PORT (%s), e.g. 127.0.0.1:9464",
                         text.c_str(), why);
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("no host");
  HttpAddress address;
  address.host = text.substr(0, colon);
  if (address.host.front() == '[') {
    if (address.host.size() < 3 || address.host.back() != ']') return bad("unclosed [");
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  const std::string port = text.substr(colon + 1);
  if (port == "*") return address;
  char* end = nullptr;
  const long number = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || number < 0 || number > 65535) {
    return bad("port must be 0 to 65535 or *");
  }
  address.port = static_cast<int>(number);
  return address;
}

}  // namespace fedgate
