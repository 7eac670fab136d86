// ShadowheartStepsize: the per-message weights of Shadowheart SGD (Tyurin,
// Pozzi, Ilin, Richtarik, NeurIPS 2024; docs/algorithms.md [P2d]). A round's step is
//   g = (1/Z) sum_i w_i sum_{j<=m_i} C_ij(G_i),  x <- x - gamma g,
//   w_i = 1 / (b_i omega + omega s + m_i s)   (1 when s = omega = 0),
//   Z   = sum over the round's messages of w_i b_i,
// with G_i the sum of b_i gradients and C_ij unbiased compressions, so that
// E g is the gradient. Each message gets the stepsize gamma w_i here; the
// round-buffer aggregation sums the weighted messages and divides by the Z of
// the round's own contributors when it commits (only it knows who made the
// round). b_i and m_i are read from each message (its gradient count and its
// `parts`; m_i falls back to the round's `messages`); s and omega are the
// round-buffer aggregation's settings, given at construction.
#pragma once

#include <string>

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

  // w_i for b_i gradients per message, m_i messages per round, s = sigma^2 /
  // epsilon and the compressor's omega (d / K - 1 for RandK).
  static double weight(uint32_t gradients, uint32_t messages, double s, double omega);

 private:
  double gamma_;
  uint32_t messages_;  // m_i
  double s_;           // sigma^2 / epsilon
  double omega_;       // compressor variance
};

}  // namespace fedgate
