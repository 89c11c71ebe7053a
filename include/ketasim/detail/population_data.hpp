// What a Population holds: its curves (plain owned storage), per-subject parameters and metrics,
// threshold counts and, for summaries-only runs, the streaming histograms; and the one door
// through which the engine and the bindings build or read a Population's raw storage.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ketasim/detail/histogram.hpp"
#include "ketasim/detail/huge_pages.hpp"
#include "ketasim/result.hpp"

namespace ketasim {

enum class Output;  // population.hpp
class Population;

namespace detail {

/// n x T curves, row-major, owned (copies are deep). Uninitialised on resize: the engine writes
/// every value before the Population is handed out.
class CurveStore {
 public:
  CurveStore() = default;
  CurveStore(const CurveStore& o) { *this = o; }
  CurveStore& operator=(const CurveStore& o) {
    if (this != &o) {
      resize(o.rows_, o.cols_);
      std::copy(o.data(), o.data() + o.size(), data());
    }
    return *this;
  }
  CurveStore(CurveStore&&) noexcept = default;
  CurveStore& operator=(CurveStore&&) noexcept = default;

  void resize(Eigen::Index rows, Eigen::Index cols) {
    data_.reset();
    rows_ = rows;
    cols_ = cols;
    const std::size_t count = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    if (count > 0)
      data_.reset(static_cast<double*>(allocate_for_huge_pages(count * sizeof(double))));
  }
  Eigen::Index rows() const { return rows_; }
  Eigen::Index cols() const { return cols_; }
  Eigen::Index size() const { return rows_ * cols_; }
  double* data() { return data_.get(); }
  const double* data() const { return data_.get(); }
  double* row(Eigen::Index r) { return data_.get() + r * cols_; }
  Eigen::Map<RowMatrix> matrix() { return {data_.get(), rows_, cols_}; }
  Eigen::Map<const RowMatrix> matrix() const { return {data_.get(), rows_, cols_}; }

 private:
  struct Free {
    void operator()(double* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<double[], Free> data_;
  Eigen::Index rows_ = 0, cols_ = 0;
};

using CountMatrix = Eigen::Matrix<std::uint64_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using IndexMatrix = Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Everything a Population holds (n subjects, T output times, P parameters, K thresholds).
struct PopulationData {
  std::vector<double> time_min;
  std::size_t n = 0;
  std::size_t first_subject = 0;
  bool individual = true;
  bool effect_site = false;
  bool observed = false;
  CurveStore cp, ce, cp_observed;  ///< n x T (individual only)
  std::vector<std::string> parameter_names;
  RowMatrix parameters;                                  ///< n x P
  std::vector<double> cmax, tmax, ce_max, ce_tmax, auc;  ///< n (Ce ones: with an effect site)
  std::vector<double> thresholds;
  Output threshold_series{};
  RowMatrix onset, offset, time_above;  ///< K x n; onset and offset NaN when none
  IndexMatrix reached;  ///< K x n, first output index at or above the threshold, -1: never
  CountMatrix above;    ///< K x T, subjects at or above the threshold at each time
  TimeHistogram hist_cp, hist_ce, hist_observed;  ///< summaries-only runs
};

/// Builds a Population from raw storage and reads it back (the engine, concatenate, pickling).
struct PopulationAccess {
  static Population make(PopulationData d);
  static const PopulationData& data(const Population& p);
};

}  // namespace detail
}  // namespace ketasim
