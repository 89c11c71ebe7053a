// Summaries of a population over subjects: the streaming histograms of summaries-only runs
// (filled block by block, merged over threads), percentiles at each output time (exact from the
// curves, or from the histograms) and the fraction of subjects over a threshold at each output
// time.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "ketasim/detail/histogram.hpp"
#include "ketasim/detail/population_plan.hpp"
#include "ketasim/detail/population_worker.hpp"
#include "ketasim/population.hpp"

namespace ketasim {
namespace detail {

constexpr std::size_t kFlushTimes = 64;  ///< output times per tile when filling histograms

/// A block of subjects' curves (summaries only), flushed into a thread's histograms tile by tile.
class BlockCurves {
 public:
  bool empty() const { return cp_.size() == 0; }

  /// Buffers for `block` subjects and the thread's empty histograms.
  void allocate(const PopulationPlan& plan, std::size_t block, TimeHistogram& hist_cp,
                TimeHistogram& hist_ce, TimeHistogram& hist_obs) {
    const auto bn = static_cast<Eigen::Index>(block);
    const auto bt = static_cast<Eigen::Index>(plan.n_times);
    cp_.resize(bn, bt);
    hist_cp = TimeHistogram(plan.n_times, false);
    if (plan.effect_site) {
      ce_.resize(bn, bt);
      hist_ce = TimeHistogram(plan.n_times, false);
    }
    if (plan.residual.enabled()) {
      obs_.resize(bn, bt);
      hist_obs = TimeHistogram(plan.n_times, true);
    }
  }

  CurveRows rows(std::size_t r) {
    const auto i = static_cast<Eigen::Index>(r);
    return {.cp = cp_.row(i).data(),
            .ce = ce_.size() > 0 ? ce_.row(i).data() : nullptr,
            .observed = obs_.size() > 0 ? obs_.row(i).data() : nullptr};
  }

  /// Adds the first nb rows to the histograms.
  void flush(std::size_t nb, TimeHistogram& hist_cp, TimeHistogram& hist_ce,
             TimeHistogram& hist_obs) const {
    flush(cp_, hist_cp, nb);
    if (ce_.size() > 0) flush(ce_, hist_ce, nb);
    if (obs_.size() > 0) flush(obs_, hist_obs, nb);
  }

 private:
  static void flush(const RowMatrix& buf, TimeHistogram& hist, std::size_t nb) {
    const auto nt = static_cast<std::size_t>(buf.cols());
    for (std::size_t t0 = 0; t0 < nt; t0 += kFlushTimes) {
      const std::size_t t1 = std::min(nt, t0 + kFlushTimes);
      for (std::size_t r = 0; r < nb; ++r) {
        const double* row = buf.row(static_cast<Eigen::Index>(r)).data();
        for (std::size_t t = t0; t < t1; ++t) hist.add(t, row[t]);
      }
    }
  }

  RowMatrix cp_, ce_, obs_;
};

/// The sum of the threads' histograms (a thread that got no block has none).
inline TimeHistogram merge_histograms(std::vector<TimeHistogram>& parts, std::size_t n_times,
                                      bool is_signed) {
  TimeHistogram out;
  for (auto& h : parts) {
    if (h.empty()) continue;
    if (out.empty())
      out = std::move(h);
    else
      out.merge(h);
  }
  // Not `cond ? TimeHistogram(...) : out`: the conditional would copy the 15 MB of counts.
  if (out.empty()) return TimeHistogram(n_times, is_signed);
  return out;
}

}  // namespace detail

inline RowMatrix Population::percentiles(std::span<const double> pct, Output o) const {
  constexpr const char* where = "Population.percentiles";
  KETASIM_CHECK(!pct.empty(), where, "percentiles", "non-empty", "an empty list");
  for (std::size_t j = 0; j < pct.size(); ++j)
    KETASIM_CHECK(std::isfinite(pct[j]) && pct[j] >= 0.0 && pct[j] <= 100.0, where,
                  "percentiles[" + std::to_string(j) + "]", "in [0, 100]", pct[j]);
  if (o == Output::ce)
    KETASIM_CHECK(d_.effect_site, where, "ce", "available (the model needs a ke0)",
                  "no effect site");
  if (o == Output::cp_observed)
    KETASIM_CHECK(d_.observed, where, "cp_observed", "available (simulate with a residual error)",
                  "no residual error");
  const std::size_t nt = d_.time_min.size(), n = d_.n, np = pct.size();
  // Order statistics needed: floor and ceil of (n - 1) p / 100 for each p, sorted and unique.
  std::vector<std::uint64_t> ranks;
  std::vector<double> h(np);
  for (std::size_t j = 0; j < np; ++j) {
    h[j] = pct[j] / 100.0 * static_cast<double>(n - 1);  // as numpy: quantile x (n - 1)
    const auto lo = static_cast<std::uint64_t>(std::floor(h[j]));
    ranks.push_back(lo);
    ranks.push_back(std::min<std::uint64_t>(lo + 1, n - 1));
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  std::vector<double> stats(ranks.size()), column(d_.individual ? n : 0);
  RowMatrix out(static_cast<Eigen::Index>(np), static_cast<Eigen::Index>(nt));
  const detail::TimeHistogram* hist = o == Output::cp   ? &d_.hist_cp
                                      : o == Output::ce ? &d_.hist_ce
                                                        : &d_.hist_observed;
  const double* curve = d_.individual ? curves(o).data() : nullptr;
  for (std::size_t t = 0; t < nt; ++t) {
    if (curve != nullptr) {
      for (std::size_t s = 0; s < n; ++s) column[s] = curve[s * nt + t];
      auto begin = column.begin();
      for (std::size_t r = 0; r < ranks.size(); ++r) {
        auto nth = column.begin() + static_cast<std::ptrdiff_t>(ranks[r]);
        std::nth_element(begin, nth, column.end());
        stats[r] = *nth;
        begin = nth;
      }
    } else {
      hist->order_statistics(t, ranks, stats);
    }
    auto stat = [&](std::uint64_t k) {
      return stats[static_cast<std::size_t>(std::lower_bound(ranks.begin(), ranks.end(), k) -
                                            ranks.begin())];
    };
    for (std::size_t j = 0; j < np; ++j) {
      const auto lo = static_cast<std::uint64_t>(std::floor(h[j]));
      const auto hi = std::min<std::uint64_t>(lo + 1, n - 1);
      const double g = h[j] - static_cast<double>(lo);
      const double a = stat(lo), b = stat(hi);
      // numpy's lerp: from the nearer end, so that g = 1 gives b exactly
      out(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(t)) =
          g == 0.0 ? a : (g >= 0.5 ? b - (b - a) * (1.0 - g) : a + (b - a) * g);
    }
  }
  return out;
}

inline std::vector<double> Population::fraction_above(double thr, Output o, bool cumulative) const {
  constexpr const char* where = "Population.fraction_above";
  KETASIM_CHECK(std::isfinite(thr) && thr > 0.0, where, "threshold_ng_ml", "> 0 ng/mL", thr,
                "ng/mL");
  const std::size_t nt = d_.time_min.size(), n = d_.n;
  std::vector<double> counts(nt, 0.0);
  const int k = threshold_index(thr, o);
  if (k >= 0) {
    if (cumulative) {
      for (std::size_t s = 0; s < n; ++s) {
        const std::int32_t i = d_.reached(k, static_cast<Eigen::Index>(s));
        if (i >= 0) counts[static_cast<std::size_t>(i)] += 1.0;
      }
    } else {
      for (std::size_t t = 0; t < nt; ++t)
        counts[t] = static_cast<double>(d_.above(k, static_cast<Eigen::Index>(t)));
    }
  } else {
    if (!d_.individual) {
      detail::fail(where, "threshold_ng_ml",
                   "one of the thresholds simulated on " +
                       std::string(output_name(d_.threshold_series)) + " [" +
                       detail::join_values(d_.thresholds) + "] (only summaries were kept)",
                   thr, "ng/mL");
    }
    const double* c = curves(o).data();
    for (std::size_t s = 0; s < n; ++s) {
      const double* row = c + s * nt;
      bool reached = false;
      for (std::size_t t = 0; t < nt; ++t) {
        if (row[t] < thr) continue;
        if (!cumulative) {
          counts[t] += 1.0;
        } else if (!reached) {
          counts[t] += 1.0;
          reached = true;
          break;
        }
      }
    }
  }
  if (cumulative) std::partial_sum(counts.begin(), counts.end(), counts.begin());
  for (double& c : counts) c /= static_cast<double>(n);
  return counts;
}

}  // namespace ketasim
