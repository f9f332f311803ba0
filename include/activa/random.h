// Seeded random numbers for initialisation and shuffling, the same on every
// machine and standard library: mt19937_64 (fully specified by the standard)
// turned into doubles and indices by formulas written here, never by
// std::uniform_*_distribution or std::shuffle, whose algorithms are left to
// the implementation.
//
//   activa::manual_seed(7);                  // as torch.manual_seed(7)
//   activa::nn::Linear fc(784, 256);         // drawn from activa::default_generator()
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace activa {

class Generator {
 public:
  // PyTorch's default seed, so that an unseeded run is still reproducible.
  static constexpr std::uint64_t kDefaultSeed = 67280421310721ULL;

  explicit Generator(std::uint64_t seed = kDefaultSeed) : engine_(seed), seed_(seed) {}

  void manual_seed(std::uint64_t seed) {
    engine_.seed(seed);
    seed_ = seed;
  }
  std::uint64_t initial_seed() const { return seed_; }

  // Uniform in [0, 1): the top 53 bits of one draw, times 2^-53 (exact).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform over {0, ..., n - 1}, n >= 1, without modulo bias (rejection).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
    std::uint64_t r;
    do {
      r = engine_();
    } while (r >= limit);
    return r % n;
  }
  // Fisher-Yates, from the last element down.
  template <class T>
  void shuffle(std::span<T> v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
  std::uint64_t seed_;
};

// The generator that modules draw from unless given another (torch's default generator).
Generator& default_generator();
// Reseeds the default generator (torch.manual_seed).
void manual_seed(std::uint64_t seed);

}  // namespace activa
