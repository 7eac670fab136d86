#include "firmware/linux/client_summary.h"

#include <nlohmann/json.hpp>

namespace fedgate {

std::string client_summary_json(const std::string& name, const ClientSession& session,
                                int exit_code) {
  const ClientCounters& c = session.counters();
  nlohmann::ordered_json j;
  j["event"] = "client_summary";
  j["name"] = name;
  j["exit_code"] = exit_code;
  j["state"] = client_state_name(session.state());
  j["model_version"] = session.model_version();
  j["offers"] = c.offers;
  j["accepts"] = c.accepts;
  j["rejects"] = c.rejects;
  j["updates"] = c.updates;
  j["skips"] = c.skips;
  j["models"] = c.models;
  j["registrations"] = c.registrations;
  j["messages_sent"] = c.messages_sent;
  j["messages_received"] = c.messages_received;
  j["bytes_sent"] = c.bytes_sent;
  j["bytes_received"] = c.bytes_received;
  j["send_failures"] = c.send_failures;
  j["errors_received"] = c.errors_received;
  j["discarded"] = c.discarded;
  // A name that is not UTF-8 is printed with U+FFFD rather than throwing.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace fedgate
