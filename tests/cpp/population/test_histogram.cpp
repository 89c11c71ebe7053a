// The streaming per-time histograms behind summaries-only populations (detail/histogram.hpp).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "ketasim/detail/histogram.hpp"
#include "ketasim/detail/random.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;
using ketasim::detail::TimeHistogram;

namespace {
std::vector<double> estimates(const TimeHistogram& h, std::size_t t,
                              const std::vector<std::uint64_t>& ranks) {
  std::vector<double> out(ranks.size());
  h.order_statistics(t, ranks, out);
  return out;
}
}  // namespace

TEST_CASE("histogram: every order statistic lies within its bin's relative width", "[histogram]") {
  ketasim::detail::SubjectRng r(3, 0);
  const bool is_signed = GENERATE(false, true);
  TimeHistogram h(2, is_signed);
  std::vector<double> v;
  for (int i = 0; i < 5000; ++i) {
    // log-normal over several decades, and (signed) a share of negative values
    double x = std::exp(2.0 + 3.0 * r.normal());
    if (is_signed && i % 4 == 0) x = -x;
    v.push_back(x);
    h.add(1, x);
  }
  std::sort(v.begin(), v.end());
  std::vector<std::uint64_t> ranks;
  for (std::uint64_t k = 0; k < v.size(); k += 97) ranks.push_back(k);
  ranks.push_back(v.size() - 1);
  const auto est = estimates(h, 1, ranks);
  for (std::size_t j = 0; j < ranks.size(); ++j) {
    const double exact = v[ranks[j]];
    INFO("rank " << ranks[j] << " exact " << exact << " estimate " << est[j]);
    CHECK(std::abs(est[j] - exact) <= TimeHistogram::relative_bin_width * std::abs(exact));
  }
  CHECK(h.total(0) == 0);
  CHECK(h.total(1) == 5000);
}

TEST_CASE("histogram: zeros are exact, round-off negatives count as zero when unsigned",
          "[histogram]") {
  TimeHistogram h(1, false);
  h.add(0, 0.0);
  h.add(0, -1e-18);
  h.add(0, 5.0);
  const auto est = estimates(h, 0, {0, 1, 2});
  CHECK(est[0] == 0.0);
  CHECK(est[1] == 0.0);
  CHECK_THAT(est[2], WithinRel(5.0, TimeHistogram::relative_bin_width));
}

TEST_CASE("histogram: values beyond the binned range keep their order", "[histogram]") {
  TimeHistogram h(1, true);
  h.add(0, 1e-9);  // underflow: (0, 2^-20)
  h.add(0, 3e6);   // overflow: up to the largest value seen
  h.add(0, -4e6);  // negative overflow
  const auto est = estimates(h, 0, {0, 1, 2});
  CHECK(est[0] < -std::ldexp(1.0, 20));
  CHECK(est[0] >= -4e6);
  CHECK(est[1] >= 0.0);
  CHECK(est[1] < std::ldexp(1.0, -20));
  CHECK(est[2] > std::ldexp(1.0, 20));
  CHECK(est[2] <= 3e6);
}

TEST_CASE("histogram: merging is the same as adding everything to one", "[histogram]") {
  ketasim::detail::SubjectRng r(5, 0);
  TimeHistogram all(3, false), a(3, false), b(3, false);
  for (int i = 0; i < 3000; ++i) {
    const std::size_t t = static_cast<std::size_t>(i % 3);
    const double x = std::exp(r.normal());
    all.add(t, x);
    (i < 1700 ? a : b).add(t, x);
  }
  a.merge(b);
  CHECK(a.counts() == all.counts());
  CHECK(a.totals() == all.totals());
  const std::vector<std::uint64_t> ranks{0, 500, 999};
  for (std::size_t t = 0; t < 3; ++t) CHECK(estimates(a, t, ranks) == estimates(all, t, ranks));
}

TEST_CASE("histogram: parts with disjoint ranges merge, and raw counts restore, exactly",
          "[histogram]") {
  // Each histogram scans only the bins it has counted (per time, lowest to highest): merging
  // a part whose values lie far below or above, or restoring from raw counts (a Dask chunk),
  // must widen that range, including on the negative side of a signed histogram.
  for (const bool is_signed : {false, true}) {
    TimeHistogram all(2, is_signed), low(2, is_signed), high(2, is_signed), none(2, is_signed);
    std::vector<double> values;
    for (int i = 0; i < 400; ++i) values.push_back(1e-3 * (1.0 + i));  // 0.001-0.4
    for (int i = 0; i < 400; ++i) values.push_back(1e3 * (1.0 + i));   // 1000-400000
    if (is_signed)
      for (int i = 0; i < 100; ++i) values.push_back(-5.0 * (1.0 + i));
    for (const double v : values) {
      all.add(1, v);
      (v > 1.0 ? high : low).add(1, v);
    }
    high.merge(none);  // an empty part changes nothing
    high.merge(low);
    CHECK(high.counts() == all.counts());
    TimeHistogram restored(2, is_signed);
    restored.assign(all.counts(), all.top(), all.bottom(), all.totals());
    const auto n = static_cast<std::uint64_t>(values.size());
    const std::vector<std::uint64_t> ranks{0, n / 4, n / 2, n - 1};
    std::sort(values.begin(), values.end());
    for (const TimeHistogram* h : {&high, &restored}) {
      const auto est = estimates(*h, 1, ranks);
      CHECK(est == estimates(all, 1, ranks));
      for (std::size_t k = 0; k < ranks.size(); ++k) {
        const double exact = values[static_cast<std::size_t>(ranks[k])];
        CHECK_THAT(est[k], WithinRel(exact, TimeHistogram::relative_bin_width));
      }
      CHECK(std::isnan(estimates(*h, 0, {0})[0]));  // time 0 has no values
    }
  }
}
