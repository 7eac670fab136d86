#include "bench/loadgen/fleet_processes.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/loadgen/fedgate_dialect.h"
#include "bench/loadgen/raw_dialect.h"

namespace fedgate::loadgen {
namespace {

struct Worker {
  pid_t pid = -1;
  std::FILE* to = nullptr;    // its stdin
  std::FILE* from = nullptr;  // its stdout
};

bool read_line(std::FILE* from, std::string* line) {
  line->clear();
  for (int c = std::fgetc(from); c != EOF; c = std::fgetc(from)) {
    if (c == '\n') return true;
    line->push_back(static_cast<char>(c));
  }
  return false;
}

// Starts `self` as a worker for `share`; its stdin and stdout become pipes to us.
bool start_worker(const std::string& self, const FleetShare& share, double timeout_s,
                  Worker* worker) {
  int to_child[2], from_child[2];
  // Close-on-exec: another worker must not hold this one's pipe ends open.
  if (pipe2(to_child, O_CLOEXEC) != 0) return false;
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return false;
  }
  // Everything the child needs is built before fork(): after it, only exec.
  std::vector<std::string> args = {self,
                                   "--fleet-worker",
                                   "--fleet-endpoint",
                                   share.endpoint,
                                   "--fleet-first-id",
                                   std::to_string(share.first_id),
                                   "--fleet-timeout",
                                   std::to_string(timeout_s),
                                   "-n",
                                   std::to_string(share.clients),
                                   "-f",
                                   std::to_string(share.features)};
  if (share.raw) args.push_back("--fleet-raw");
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // dup2 clears close-on-exec on the copies: stdin and stdout survive exec.
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  if (pid < 0) {
    close(to_child[1]);
    close(from_child[0]);
    return false;
  }
  worker->pid = pid;
  worker->to = fdopen(to_child[1], "w");
  worker->from = fdopen(from_child[0], "r");
  return worker->to != nullptr && worker->from != nullptr;
}

void finish(Worker& worker) {
  if (worker.to != nullptr) std::fclose(worker.to);
  if (worker.from != nullptr) std::fclose(worker.from);
  if (worker.pid > 0) waitpid(worker.pid, nullptr, 0);
  worker = Worker();
}

}  // namespace

size_t fleet_processes(size_t clients, std::string* message) {
  const size_t hard = hard_file_limit();
  if (files_needed(clients, clients) <= hard) return 1;
  if (files_needed(0, clients) > hard) {
    *message = "the server's side of " + std::to_string(clients) + " clients needs " +
               std::to_string(files_needed(0, clients)) + " open files; the hard limit is " +
               std::to_string(hard);
    return 0;
  }
  size_t processes = 2;
  while (files_needed((clients + processes - 1) / processes, 0) > hard) ++processes;
  return processes;
}

FleetResult run_fleet_in_processes(const std::string& self, const FleetShare& fleet,
                                   size_t processes, const FleetRun& plan) {
  // A worker that died must fail the run, not kill this process when we write to it.
  std::signal(SIGPIPE, SIG_IGN);
  FleetResult total;
  std::vector<Worker> workers(processes);
  bool ok = true;
  size_t first = 0;
  for (size_t p = 0; p < processes && ok; ++p) {
    FleetShare share = fleet;
    share.first_id = first;
    share.clients = fleet.clients / processes + (p < fleet.clients % processes ? 1 : 0);
    first += share.clients;
    ok = start_worker(self, share, plan.register_timeout_s, &workers[p]);
  }
  // Every worker registers its clients, then all measure over one window.
  std::string line;
  for (Worker& worker : workers) {
    if (!ok) break;
    ok = read_line(worker.from, &line) && line == "registered";
    if (!ok && total.first_error.empty()) total.first_error = "a fleet worker: " + line;
  }
  const int64_t start = steady_now_ns() + static_cast<int64_t>(plan.warmup_s * 1e9);
  const int64_t end = start + static_cast<int64_t>(plan.measure_s * 1e9);
  for (Worker& worker : workers) {
    if (!ok) break;
    std::fprintf(worker.to, "%" PRId64 " %" PRId64 "\n", start, end);
    std::fflush(worker.to);
  }
  for (Worker& worker : workers) {
    if (ok) {
      const nlohmann::json result =
          read_line(worker.from, &line) ? nlohmann::json::parse(line, nullptr, false) : nullptr;
      ok = result.is_object();
      if (ok) {
        total.decisions += result.at("decisions").get<uint64_t>();
        total.accepts += result.at("accepts").get<uint64_t>();
        total.updates += result.at("updates").get<uint64_t>();
        total.models += result.at("models").get<uint64_t>();
        total.errors += result.at("errors").get<uint64_t>();
        if (total.first_error.empty()) total.first_error = result.at("first_error");
        for (double us : result.at("latency_us")) total.offer_to_decision_us.push_back(us);
      }
    }
    finish(worker);
  }
  total.registered = ok;
  total.seconds = static_cast<double>(end - start) / 1e9;
  return total;
}

int fleet_worker_main(const FleetShare& share, double register_timeout_s) {
  std::string message;
  if (!ensure_file_limit(files_needed(share.clients, 0), &message)) {
    std::printf("%s\n", message.c_str());
    return 1;
  }
  FedgateDialect fedgate_dialect(share.features, kClasses, 1);
  RawDialect raw_dialect(fedgate_dialect.sizes(kChunkFloats));
  FleetDialect& dialect = share.raw ? static_cast<FleetDialect&>(raw_dialect)
                                    : static_cast<FleetDialect&>(fedgate_dialect);
  SyntheticFleet fleet(share.clients, dialect, share.first_id);
  if (!fleet.register_all(share.endpoint, register_timeout_s)) {
    std::printf("not every client registered in %.0f s\n", register_timeout_s);
    return 1;
  }
  std::printf("registered\n");
  std::fflush(stdout);
  int64_t start = 0, end = 0;
  if (std::scanf("%" SCNd64 " %" SCNd64, &start, &end) != 2) return 1;
  const FleetResult result = fleet.measure(start, end);
  nlohmann::json out = {{"decisions", result.decisions},
                        {"accepts", result.accepts},
                        {"updates", result.updates},
                        {"models", result.models},
                        {"errors", result.errors},
                        {"first_error", result.first_error},
                        {"latency_us", result.offer_to_decision_us}};
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace fedgate::loadgen
