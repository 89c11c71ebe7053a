// Streaming per-time histograms of concentrations, for population percentiles computed without
// keeping every subject's curve: log-spaced bins read off the bits of a double (no logarithm),
// mergeable by summing counts, so chunks of subjects combine to the same result in any split.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

namespace ketasim::detail {

/// One row of counts per output time. A positive value v lands in the bin of its binary exponent
/// e (2^e <= v < 2^(e+1), for -20 <= e < 20, i.e. 9.5e-7 to 1.05e6) and of the top 7 bits of its
/// mantissa: 128 bins per octave, each at most 2^-7 = 0.78 % wide relative to its lower edge.
/// Values below 2^-20 share an underflow bin [0, 2^-20), values from 2^20 up an overflow bin
/// (whose upper end is the largest value seen), exact zeros a bin of their own. Unsigned
/// histograms (Cp, Ce) count negative values (round-off) as zeros; signed ones (observations with
/// additive error) mirror the positive bins for negative values.
class TimeHistogram {
 public:
  static constexpr int mantissa_bits = 7;
  static constexpr int per_octave = 1 << mantissa_bits;
  static constexpr int e_min = -20;
  static constexpr int e_max = 20;
  static constexpr int n_magnitude = (e_max - e_min) * per_octave;
  static constexpr int side = n_magnitude + 2;  ///< underflow, magnitude bins, overflow
  /// Largest relative width of a magnitude bin (the bound on a percentile's relative error).
  static constexpr double relative_bin_width = 1.0 / per_octave;

  TimeHistogram() = default;
  TimeHistogram(std::size_t n_times, bool is_signed)
      : n_times_(n_times),
        signed_(is_signed),
        width_(is_signed ? 2 * side + 1 : side + 1),
        zero_(is_signed ? side : 0),
        counts_(n_times * static_cast<std::size_t>(width_)),
        top_(n_times, 0.0),
        bottom_(n_times, 0.0),
        total_(n_times, 0),
        lo_(n_times, width_),
        hi_(n_times, -1) {}

  std::size_t n_times() const { return n_times_; }
  bool is_signed() const { return signed_; }
  bool empty() const { return n_times_ == 0; }

  void add(std::size_t t, double v) {
    ++total_[t];
    int i;
    if (v > 0.0) {
      const int m = magnitude_bin(v);
      if (m == side - 1) top_[t] = std::max(top_[t], v);
      i = zero_ + 1 + m;
    } else if (v < 0.0 && signed_) {
      const int m = magnitude_bin(-v);
      if (m == side - 1) bottom_[t] = std::min(bottom_[t], v);
      i = zero_ - 1 - m;
    } else if (v == 0.0 || v < 0.0) {
      i = zero_;
    } else {  // NaN: counted above everything
      top_[t] = std::numeric_limits<double>::quiet_NaN();
      i = width_ - 1;
    }
    ++counts_[t * static_cast<std::size_t>(width_) + static_cast<std::size_t>(i)];
    lo_[t] = std::min(lo_[t], i);
    hi_[t] = std::max(hi_[t], i);
  }

  /// Adds another histogram's counts (same times and kind).
  void merge(const TimeHistogram& o) {
    const auto w = static_cast<std::size_t>(width_);
    for (std::size_t t = 0; t < n_times_; ++t) {
      // Only the bins o has touched (the rest of its rows are zero).
      for (int i = o.lo_[t]; i <= o.hi_[t]; ++i)
        counts_[t * w + static_cast<std::size_t>(i)] +=
            o.counts_[t * w + static_cast<std::size_t>(i)];
      lo_[t] = std::min(lo_[t], o.lo_[t]);
      hi_[t] = std::max(hi_[t], o.hi_[t]);
      total_[t] += o.total_[t];
      top_[t] = std::isnan(o.top_[t]) ? o.top_[t] : std::max(top_[t], o.top_[t]);
      bottom_[t] = std::min(bottom_[t], o.bottom_[t]);
    }
  }

  std::uint64_t total(std::size_t t) const { return total_[t]; }

  /// Estimates of order statistics (0-based ranks, sorted ascending, each < total(t)) at time t:
  /// the k-th value is placed inside its bin as if the bin's values were evenly spread.
  void order_statistics(std::size_t t, std::span<const std::uint64_t> ranks,
                        std::span<double> out) const {
    const std::uint32_t* row = counts_.data() + t * static_cast<std::size_t>(width_);
    std::uint64_t before = 0;
    std::size_t r = 0;
    for (int i = lo_[t]; i <= hi_[t] && r < ranks.size(); ++i) {  // bins outside are empty
      const std::uint64_t c = row[i];
      while (r < ranks.size() && ranks[r] < before + c) {
        const auto [lo, hi] = bin_range(t, i);
        const double q = (static_cast<double>(ranks[r] - before) + 0.5) / static_cast<double>(c);
        out[r] = lo + q * (hi - lo);
        ++r;
      }
      before += c;
    }
    for (; r < ranks.size(); ++r) out[r] = std::numeric_limits<double>::quiet_NaN();
  }

  /// Raw counts and extremes, for moving a histogram between processes.
  using Counts = std::vector<std::uint32_t>;
  const Counts& counts() const { return counts_; }
  const std::vector<double>& top() const { return top_; }
  const std::vector<double>& bottom() const { return bottom_; }
  const std::vector<std::uint64_t>& totals() const { return total_; }
  void assign(std::span<const std::uint32_t> counts, std::vector<double> top,
              std::vector<double> bottom, std::vector<std::uint64_t> totals) {
    counts_.assign(counts.begin(), counts.end());
    top_ = std::move(top);
    bottom_ = std::move(bottom);
    total_ = std::move(totals);
    const auto w = static_cast<std::size_t>(width_);
    lo_.assign(n_times_, width_);
    hi_.assign(n_times_, -1);
    for (std::size_t t = 0; t < n_times_ && (t + 1) * w <= counts_.size(); ++t)
      for (int i = 0; i < width_; ++i)
        if (counts_[t * w + static_cast<std::size_t>(i)] != 0) {
          lo_[t] = std::min(lo_[t], i);
          hi_[t] = i;
        }
  }
  int width() const { return width_; }

 private:
  /// 0: underflow, 1..n_magnitude: magnitude bins, side - 1: overflow (v > 0).
  static int magnitude_bin(double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    const int e = static_cast<int>(bits >> 52) - 1023;
    if (e < e_min) return 0;
    if (e >= e_max) return side - 1;
    const int k = static_cast<int>((bits >> (52 - mantissa_bits)) & (per_octave - 1));
    return 1 + (e - e_min) * per_octave + k;
  }

  /// [lo, hi] of the positive values in magnitude bin m at time t.
  std::pair<double, double> magnitude_range(std::size_t t, int m) const {
    if (m == 0) return {0.0, std::ldexp(1.0, e_min)};
    if (m == side - 1) return {std::ldexp(1.0, e_max), std::max(top_[t], std::ldexp(1.0, e_max))};
    const int j = m - 1;
    const double base = std::ldexp(1.0, e_min + j / per_octave);
    const int k = j % per_octave;
    return {base * (1.0 + static_cast<double>(k) / per_octave),
            base * (1.0 + static_cast<double>(k + 1) / per_octave)};
  }

  std::pair<double, double> bin_range(std::size_t t, int i) const {
    if (i == zero_) return {0.0, 0.0};
    if (i > zero_) return magnitude_range(t, i - zero_ - 1);
    if (!signed_) return {0.0, 0.0};
    const int m = zero_ - 1 - i;
    if (m == side - 1) {
      const double lo = std::min(bottom_[t], -std::ldexp(1.0, e_max));
      return {lo, -std::ldexp(1.0, e_max)};
    }
    const auto [lo, hi] = magnitude_range(t, m);
    return {-hi, -lo};
  }

  std::size_t n_times_ = 0;
  bool signed_ = false;
  int width_ = 0;
  int zero_ = 0;
  Counts counts_;
  std::vector<double> top_, bottom_;
  std::vector<std::uint64_t> total_;
  std::vector<int> lo_, hi_;  ///< per time, the lowest and highest bin ever counted
};

}  // namespace ketasim::detail
