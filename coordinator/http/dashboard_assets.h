// The dashboard's files, embedded at build time (coordinator/http/CMakeLists.txt):
// the page itself (coordinator/http/dashboard.html) and Debian's Chart.js
// (libjs-chart.js), so the page needs no network beyond the coordinator.
#pragma once

#include <string>

namespace fedgate {

const std::string& dashboard_html();
const std::string& chart_js();

}  // namespace fedgate
