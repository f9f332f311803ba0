// The lecture's examples (examples/*.cc), run as programs, print together
// exactly what PyTorch prints for the lecture's code (tests/data/lecture_output.txt,
// PyTorch 1.13's real output; the lecture's PDF text lost some spaces).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "(cannot run " + command + ")";
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  if (status != 0) out += "(exit status " + std::to_string(status) + ")";
  return out;
}

TEST(Lecture, ExamplesPrintWhatPyTorchPrints) {
  std::ifstream f(ACTIVA_TEST_DATA_DIR "/lecture_output.txt");
  ASSERT_TRUE(f) << "missing lecture_output.txt";
  std::stringstream expected;
  expected << f.rdbuf();
  std::string actual;
  for (const char* name : {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu", "softmax"}) {
    actual += run(std::string(ACTIVA_EXAMPLES_DIR) + "/example_" + name);
  }
  EXPECT_EQ(actual, expected.str());
}

}  // namespace
