// Runs a program as a user does, for the tests of the activa command: standard
// input from a string, standard output and standard error captured apart.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace activa::test {

struct Result {
  int status = -1;  // exit code; -1 if killed by a signal, 127 if it could not start
  std::string out, err;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `program` (a path, or a name searched in PATH) with `args`.
inline Result run_program(const std::string& program, std::vector<std::string> args,
                          const std::string& input = "") {
  std::string dir_name = testing::TempDir() + "activa_run_XXXXXX";
  if (mkdtemp(dir_name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path dir(dir_name);
  const std::string in = (dir / "in").string(), out = (dir / "out").string(), err = (dir / "err").string();
  std::ofstream(in, std::ios::binary) << input;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  Result r{127, "", "cannot run " + program};
  if (spawned == 0) {
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    r = {WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1, read_file(out), read_file(err)};
  }
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace activa::test
