// ShadowheartStepsize: the per-message weights of Shadowheart SGD (Tyurin,
// Pozzi, Ilin, Richtarik, NeurIPS 2024; docs/algorithms.md [P2d]). A round's step is
//   g = (1/Z) sum_i w_i sum_{j<=m_i} C_ij(G_i),  x <- x - gamma g,
//   w_i = 1 / (b_i omega + omega s + m_i s)   (1 when s = omega = 0),
//   Z   = sum_i w_i m_i b_i,
// with G_i the sum of b_i gradients and C_ij unbiased compressions, so that
// E g is the gradient. Each message therefore gets the stepsize gamma w_i / Z;
// the round-buffer aggregation sums the weighted messages and commits once.
// b_i is read from each message (its gradient count); m_i, s and omega are
// the round-buffer aggregation's settings, given at construction; Z sums
// w_j m_j b_j over the clients seen so far (their latest b_j), kept up to date
// in O(1).
#pragma once

#include <unordered_map>

#include "coordinator/aggregation/round_buffer.h"
#include "coordinator/policy_entry.h"
#include "coordinator/stepsize/stepsize_policy.h"

namespace fedgate {

class ShadowheartStepsize : public StepsizePolicy {
 public:
  // `round`: the round-buffer aggregation's settings (messages = m_i, s, omega).
  explicit ShadowheartStepsize(double gamma, const RoundBufferSettings& round = {})
      : gamma_(gamma), messages_(round.messages), s_(round.s), omega_(round.omega) {}

  const char* name() const override { return "shadowheart"; }
  double gamma(const StepContext& step) override;
  PolicySettings settings() const override;
  void on_client_left(const std::string& client) override;
  // In shadowheart_stepsize_state.cc.
  void save_state(StateWriter& out) const override;
  void restore_state(StateReader& in) override;

  // w_i for b_i gradients per message, m_i messages per round, s = sigma^2 /
  // epsilon and the compressor's omega (d / K - 1 for RandK).
  static double weight(uint32_t gradients, uint32_t messages, double s, double omega);
  // Z over the clients seen so far.
  double normaliser() const { return z_; }

 private:
  struct Share {
    double term = 0;  // w_i m_i b_i, this client's part of Z
  };

  double gamma_;
  uint32_t messages_;  // m_i
  double s_;           // sigma^2 / epsilon
  double omega_;       // compressor variance
  std::unordered_map<std::string, Share> clients_;
  double z_ = 0;
};

}  // namespace fedgate
