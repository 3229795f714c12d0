//===- Random.cpp - The runtime's documented random numbers ---------------===//

#include "mpt/Runtime/Random.h"

#include <cmath>

using namespace mpt::runtime;

namespace {
uint64_t fnv1a64(std::string_view text) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001B3ull;
  }
  return hash;
}
} // namespace

Rng Rng::stream(uint64_t seed, std::string_view purpose, uint64_t index) {
  Rng rng(seed ^ fnv1a64(purpose) ^ (index * 0xD1B54A32D192ED03ull));
  rng.next();
  return rng;
}

namespace {
/// SplitMix64's increment of the state per output.
constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;
} // namespace

uint64_t Rng::next() {
  state += kGoldenGamma;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Rng::skip(uint64_t count) { state += count * kGoldenGamma; }

double Rng::uniform() { return (next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) {
  return low + (high - low) * uniform();
}

double Rng::normal() {
  // 1 - uniform() is in (0, 1], so the logarithm is finite.
  double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  return radius * std::cos(2.0 * M_PI * uniform());
}

uint64_t Rng::below(uint64_t bound) {
  // Reject the top partial copy of [0, bound) so every value is equally
  // likely.
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value;
  do
    value = next();
  while (value >= limit);
  return value % bound;
}
