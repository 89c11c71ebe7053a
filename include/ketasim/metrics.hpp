// The values the metric functions return (onset.hpp on a Result, the populations per subject):
// a series' peak and when a series is at or above a threshold, both on the continuous solution.
#pragma once

#include <limits>
#include <optional>
#include <vector>

namespace ketasim {

/// Which concentration a metric is about: plasma (Cp) or effect site (Ce).
enum class Series { cp, ce };

/// The highest value of a series over a window and the first time it is reached.
struct Peak {
  double c_ng_ml = 0.0;  ///< the highest concentration over the window, ng/mL
  double t_min = 0.0;    ///< the first time it is reached, min
};

/// When a series is at or above one threshold over a window. Times are absolute (min).
struct ThresholdTimes {
  double threshold_ng_ml = 0.0;
  std::optional<double> onset_min;   ///< first time the series is >= the threshold
  std::optional<double> offset_min;  ///< first time after the onset that it is below it again
  double time_above_min = 0.0;       ///< total time at or above it in the window
  int episodes = 0;                  ///< how many separate times it is reached
};

/// The peak of a series over a window and its threshold times (one per threshold asked for).
struct SeriesMetrics {
  double max_ng_ml = -std::numeric_limits<double>::infinity();
  double t_max_min = std::numeric_limits<double>::quiet_NaN();  ///< first time max is reached
  std::vector<ThresholdTimes> thresholds;
};

}  // namespace ketasim
