// Reproducible random numbers for populations: one independent stream per subject, derived from
// the run's seed and the subject's index alone, so that results do not depend on how subjects are
// split between threads or machines.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace ketasim::detail {

/// SplitMix64 finaliser (Steele, Lea and Flood 2014): a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// xoshiro256** (Blackman and Vigna 2018), seeded by SplitMix64 from (seed, subject index), with
/// standard normal deviates by the Box-Muller transform (both deviates of a pair are used).
class SubjectRng {
 public:
  SubjectRng(std::uint64_t seed, std::uint64_t subject) {
    std::uint64_t z = mix64(seed + 0x9e3779b97f4a7c15ULL) ^ mix64(subject + 0x2545f4914f6cdd1dULL);
    for (auto& w : s_) {
      z += 0x9e3779b97f4a7c15ULL;
      w = mix64(z);
    }
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform on (0, 1] with 53 random bits.
  double uniform() { return static_cast<double>((next() >> 11) + 1) * 0x1.0p-53; }

  /// Standard normal deviate.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double theta = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace ketasim::detail
