#include "tests/integration/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace fedgate::testing {

Process::Process(const std::string& program, const std::vector<std::string>& args,
                 const std::string& output_path)
    : output_path_(output_path) {
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
}

bool Process::running() {
  if (pid_ <= 0 || status_ != -1) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

int Process::wait(double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      status_ = -2;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (status_ < 0) return -1;
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void Process::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  size_t start = 0;
  // Only lines with their newline: a process may be writing the last one right now.
  for (size_t end = text.find('\n'); end != std::string::npos;
       start = end + 1, end = text.find('\n', start)) {
    if (text.compare(start, prefix.size(), prefix) == 0) {
      lines.push_back(text.substr(start, end - start));
    }
  }
  return lines;
}

std::map<std::string, std::string> last_line_fields(const std::string& text,
                                                    const std::string& prefix) {
  std::map<std::string, std::string> fields;
  const auto lines = lines_starting_with(text, prefix);
  if (lines.empty()) return fields;
  std::istringstream in(lines.back());
  for (std::string word; in >> word;) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos) fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return fields;
}

nlohmann::json parse_json(const std::string& line) {
  nlohmann::json value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) ADD_FAILURE() << "not JSON: " << line;
  return value;
}

std::vector<std::string> event_lines(const std::string& text, const std::string& event) {
  std::vector<std::string> lines;
  for (const std::string& line : lines_starting_with(text, "{")) {
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
    if (object.is_object() && object.value("event", "") == event) lines.push_back(line);
  }
  return lines;
}

RunMetrics read_run_metrics(const std::string& path) {
  RunMetrics metrics;
  metrics.text = read_file(path);
  for (const std::string& line : lines_starting_with(metrics.text, "")) {
    const nlohmann::json object = parse_json(line);
    const std::string event = object.is_object() ? object.value("event", "") : "";
    if (event == "eval") metrics.evals.push_back(line);
    if (event == "summary") metrics.summaries.push_back(line);
  }
  return metrics;
}

double json_number(const std::string& line, const std::string& key) {
  const nlohmann::json object = parse_json(line);
  if (!object.is_object() || !object.contains(key)) {
    ADD_FAILURE() << "no field " << key << " in " << line;
    return 0;
  }
  const nlohmann::json& value = object.at(key);
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!value.is_number()) {
    ADD_FAILURE() << "field " << key << " is not a number in " << line;
    return 0;
  }
  return value.get<double>();
}

std::string make_temp_dir(const std::string& name) {
  std::string path = ::testing::TempDir() + "fedgate_" + name + "_XXXXXX";
  if (mkdtemp(path.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed for " << path;
  return path;
}

std::string wait_for_line(const std::string& path, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = read_file(path);
    const size_t newline = text.find('\n');
    if (newline != std::string::npos) return text.substr(0, newline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return "";
}

}  // namespace fedgate::testing
