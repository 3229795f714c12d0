//===- Random.h - The runtime's documented random numbers -------*- C++ -*-===//
//
// Everything random in training (parameter init, synthetic data, batch
// order) comes from SplitMix64 (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014):
//
//   state += 0x9E3779B97F4A7C15
//   z = state
//   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//   return z ^ (z >> 31)
//
// Each use draws from its own stream, keyed by the user's seed, a purpose
// string and an index (a parameter's name, an epoch, a step), so that adding
// a parameter or resuming at step N never shifts the numbers of another use.
//
//===----------------------------------------------------------------------===//

#ifndef MPT_RUNTIME_RANDOM_H
#define MPT_RUNTIME_RANDOM_H

#include <cstdint>
#include <string_view>

namespace mpt {
namespace runtime {

class Rng {
public:
  explicit Rng(uint64_t state) : state(state) {}

  /// The stream for `purpose` and `index` under `seed`: its initial state is
  /// `seed ^ fnv1a64(purpose) ^ (index * 0xD1B54A32D192ED03)`, then one
  /// output is discarded so nearby keys decorrelate.
  static Rng stream(uint64_t seed, std::string_view purpose,
                    uint64_t index = 0);

  uint64_t next();
  /// Moves the stream past `count` outputs of next() without computing
  /// them: SplitMix64's state only advances by a constant per output.
  void skip(uint64_t count);
  /// Uniform in [0, 1): the top 53 bits of next() times 2^-53.
  double uniform();
  /// Uniform in [low, high).
  double uniform(double low, double high);
  /// Standard normal by Box-Muller from two uniforms (no cached spare):
  /// kOutputsPerNormal outputs of next().
  double normal();
  static constexpr uint64_t kOutputsPerNormal = 2;
  /// Uniform integer in [0, bound), by rejection so it is unbiased.
  uint64_t below(uint64_t bound);

private:
  uint64_t state;
};

} // namespace runtime
} // namespace mpt

#endif // MPT_RUNTIME_RANDOM_H
