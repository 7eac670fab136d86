// Parsing server.http: "HOST:PORT" or "[IPv6]:PORT"; port 0 or * picks a free one.
#pragma once

#include <string>

#include "core/base/status.h"

namespace fedgate {

struct HttpAddress {
  std::string host;
  int port = 0;  // 0: any free port
};

Result<HttpAddress> parse_http_address(const std::string& text);

}  // namespace fedgate
