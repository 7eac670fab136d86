// RoundPolicy: the common part of the synchronous aggregations (stale-sum,
// sync-minibatch, round-buffer). A round starts when the model of version t
// goes to every member (every client that joined); each member answers with
// its contributions for version t or a Skip; when the round is complete the
// subclass commits (at most one new version) and the next model goes to all
// members. A contribution for an older version arrived after its round was
// committed: it is dropped and counted. Joining mid-round makes a client a
// member of the running round; leaving removes it, which may complete it.
#pragma once

#include <set>

#include "coordinator/aggregation/aggregation_policy.h"

namespace fedgate {

class RoundPolicy : public AggregationPolicy {
 public:
  void on_join(AggregationHost& host, const std::string& client) override;
  void on_leave(AggregationHost& host, const std::string& client) override;
  bool on_update(AggregationHost& host, const std::string& client,
                 const Contribution& contribution) override;
  void on_skip(AggregationHost& host, const std::string& client, uint32_t version) override;
  void on_model_request(AggregationHost& host, const std::string& client) override;
  void on_tick(AggregationHost& host) override;
  // The round's members and who answered; subclasses add theirs after it.
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  size_t members() const { return members_.size(); }
  bool answered(const std::string& client) const { return done_.count(client) != 0; }

 protected:
  // Takes a contribution of the running round; true when `client` has now
  // sent all it sends this round.
  virtual bool take(AggregationHost& host, const std::string& client,
                    const Contribution& contribution) = 0;
  virtual void skipped(const std::string& client) { (void)client; }
  virtual void forget(const std::string& client) { (void)client; }
  // Commits the round (or not, when there is nothing to apply).
  virtual void commit_round(AggregationHost& host) = 0;
  virtual void round_started(AggregationHost& host) { (void)host; }
  // Complete once every member answered; subclasses may end a round earlier.
  virtual bool complete(AggregationHost& host) const;
  // A member that takes no part in the running round (decided in
  // round_started): it is not sent the round's model and counts as answered.
  virtual bool sits_out(const std::string& client) const {
    (void)client;
    return false;
  }

  const std::set<std::string>& member_set() const { return members_; }
  int64_t round_start_us() const { return round_start_us_; }

 private:
  void finish_if_complete(AggregationHost& host);
  // Sends the running round's model to every member that takes part.
  void dispatch_round(AggregationHost& host);

  std::set<std::string> members_;
  std::set<std::string> done_;  // members that answered this round
  int64_t round_start_us_ = 0;
};

}  // namespace fedgate
