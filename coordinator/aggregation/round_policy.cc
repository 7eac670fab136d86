#include "coordinator/aggregation/round_policy.h"

#include "coordinator/checkpoint_names.h"

namespace fedgate {

bool RoundPolicy::complete(AggregationHost&) const {
  return !members_.empty() && done_.size() == members_.size();
}

void RoundPolicy::finish_if_complete(AggregationHost& host) {
  if (!complete(host)) return;
  commit_round(host);
  done_.clear();
  round_start_us_ = host.now_us();
  round_started(host);
  dispatch_round(host);
}

void RoundPolicy::dispatch_round(AggregationHost& host) {
  for (const std::string& member : members_) {
    if (sits_out(member)) {
      done_.insert(member);
    } else {
      host.send_model(member);
    }
  }
}

void RoundPolicy::on_join(AggregationHost& host, const std::string& client) {
  if (members_.empty()) {
    round_start_us_ = host.now_us();
    members_.insert(client);
    round_started(host);
  } else {
    members_.insert(client);
  }
  done_.erase(client);
  host.send_model(client);
}

void RoundPolicy::on_leave(AggregationHost& host, const std::string& client) {
  if (members_.erase(client) == 0) return;
  done_.erase(client);
  forget(client);
  finish_if_complete(host);
}

bool RoundPolicy::on_update(AggregationHost& host, const std::string& client,
                            const Contribution& contribution) {
  if (contribution.version != host.model().version() || members_.count(client) == 0 ||
      done_.count(client) != 0) {
    ++counts_.dropped_old;
    return false;
  }
  ++counts_.buffered;
  if (take(host, client, contribution)) done_.insert(client);
  finish_if_complete(host);
  return true;
}

void RoundPolicy::on_skip(AggregationHost& host, const std::string& client, uint32_t version) {
  if (version != host.model().version() || members_.count(client) == 0) return;
  if (done_.insert(client).second) skipped(client);
  finish_if_complete(host);
}

void RoundPolicy::on_model_request(AggregationHost& host, const std::string& client) {
  if (members_.count(client) != 0 && !sits_out(client)) host.send_model(client);
}

void RoundPolicy::on_tick(AggregationHost& host) { finish_if_complete(host); }

void RoundPolicy::save_state(StateWriter& out) const {
  save_names(out, members_);
  save_names(out, done_);
  out.time_us(round_start_us_);
}

void RoundPolicy::restore_state(StateReader& in) {
  restore_names(in, &members_);
  restore_names(in, &done_);
  round_start_us_ = in.time_us();
}

}  // namespace fedgate
