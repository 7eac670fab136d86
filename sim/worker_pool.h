// WorkerPool: runs one job on a fixed number of threads at once, the caller
// being thread 0, and returns when every thread has finished it. The other
// threads sleep on a condition variable between jobs instead of spinning, so
// the simulator's serial phases (the coordinator) leave the cores to whoever
// needs them (docs/simulator.md, "Threads").
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fedgate {
namespace sim {

class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned threads() const { return static_cast<unsigned>(workers_.size()) + 1; }
  // job(k) for every k in [0, threads()), each on its own thread; k = 0 on the caller's.
  void run(const std::function<void(unsigned)>& job);

 private:
  void work(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable started_;
  std::condition_variable finished_;
  const std::function<void(unsigned)>* job_ = nullptr;
  uint64_t generation_ = 0;  // one more per run(): a worker takes each job once
  unsigned running_ = 0;     // workers still in the current job
  bool stopping_ = false;
};

}  // namespace sim
}  // namespace fedgate
