// Process: runs a program of this build as a child, with its stdout and
// stderr sent to files, for the multi-process integration tests.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fedgate::testing {

class Process {
 public:
  Process(const std::string& program, const std::vector<std::string>& args,
          const std::string& output_path);
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Exit status, or -1 when it did not exit within `timeout_s` (it is then killed).
  int wait(double timeout_s);
  void signal(int sig);
  bool running();
  const std::string& output_path() const { return output_path_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string output_path_;
};

std::string read_file(const std::string& path);
// Complete lines (ended by a newline) of `text` that start with `prefix`.
std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix);
// The key=value words of the last complete line of `text` starting with `prefix`
// (empty when there is none).
std::map<std::string, std::string> last_line_fields(const std::string& text,
                                                    const std::string& prefix);
// One line of JSON (a metrics line, a client's summary), parsed; a failure
// (and a discarded value) when it is not JSON.
nlohmann::json parse_json(const std::string& line);
// Complete lines of `text` that are JSON objects with "event": `event` (other
// output in between is skipped).
std::vector<std::string> event_lines(const std::string& text, const std::string& event);
// A coordinator's JSON-lines metrics file, split by event.
struct RunMetrics {
  std::string text;                    // the whole file, for failure messages
  std::vector<std::string> evals;      // "eval" lines, oldest first
  std::vector<std::string> summaries;  // "summary" lines (one after a clean stop)
};
RunMetrics read_run_metrics(const std::string& path);
// The number at top-level `key` of a JSON object line: a failure when the key is
// missing; NaN when it is null (what a non-finite value is written as).
double json_number(const std::string& line, const std::string& key);
// A fresh, empty directory under the test temp dir.
std::string make_temp_dir(const std::string& name);
// Waits until `path` exists and is non-empty; returns its first line or "".
std::string wait_for_line(const std::string& path, double timeout_s);

}  // namespace fedgate::testing
