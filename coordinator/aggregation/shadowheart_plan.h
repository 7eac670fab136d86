// The equilibrium time of Shadowheart SGD (docs/algorithms.md [P2d], from the
// authors' find_equilibrium_time): given each worker's seconds per gradient
// h_i and per compressed message tau_i, the variance ratio s = sigma^2 / eps
// and the compressor's omega, the round length t* that balances computing
// against sending, and how many gradients b_i and messages m_i each worker
// fits into it (b_i = m_i = 0: the worker is too slow to take part).
#pragma once

#include <cstdint>
#include <vector>

namespace fedgate {

struct WorkerTimes {
  double h = 0;    // seconds per stochastic gradient
  double tau = 0;  // seconds per compressed message
};

struct ShadowheartPlan {
  double equilibrium_s = 0;         // t*
  std::vector<uint32_t> gradients;  // b_i = floor(t* / h_i)
  std::vector<uint32_t> messages;   // m_i = floor(t* / tau_i) (t* / 0 counts as 1 message)
};

// s*_j of the workers given (already sorted by max(h, tau)): the t solving
// t = [sum_i 1 / (2 tau_i omega + 4 tau_i omega h_i s / t + 2 h_i s)]^{-1};
// 0 when some worker's terms all vanish (then only max(h, tau) bounds t*).
double shadowheart_fixed_point(const std::vector<WorkerTimes>& workers, double s, double omega);

ShadowheartPlan shadowheart_plan(const std::vector<WorkerTimes>& workers, double s, double omega);

// The weight of one message of worker i: w_i = 1 / (b_i omega + omega s + m_i s)
// for b_i gradients per message and m_i messages per round (1 when s = omega = 0).
double shadowheart_weight(uint32_t gradients, uint32_t messages, double s, double omega);

}  // namespace fedgate
