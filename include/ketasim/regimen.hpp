// The dosing regimen: IV boluses, IV zero-order infusions and doses by route, with repeats,
// mg/kg and nasal-spray-device helpers. Doses are value records; nothing here knows the model.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ketasim/error.hpp"

namespace ketasim {

/// mg for a mg/kg dose: mg_per_kg(0.5, 70.0) == 35.0.
inline double mg_per_kg(double dose_mg_per_kg, double weight_kg) {
  KETASIM_CHECK(std::isfinite(dose_mg_per_kg) && dose_mg_per_kg >= 0.0, "mg_per_kg",
                "dose_mg_per_kg", ">= 0 mg/kg", dose_mg_per_kg, "mg/kg");
  KETASIM_CHECK(std::isfinite(weight_kg) && weight_kg > 0.0, "mg_per_kg", "weight_kg", "> 0 kg",
                weight_kg, "kg");
  return dose_mg_per_kg * weight_kg;
}

/// IV bolus into a compartment (default: the plasma compartment), optionally repeated
/// `count` times every `interval_min`.
struct Bolus {
  double dose_mg = 0.0;
  double time_min = 0.0;
  std::string compartment = {};
  double interval_min = 0.0;
  int count = 1;
};

/// IV zero-order infusion, given by dose and duration or by rate and duration.
struct Infusion {
  std::optional<double> dose_mg = std::nullopt;
  std::optional<double> rate_mg_per_min = std::nullopt;
  double start_min = 0.0;
  double duration_min = 0.0;
  std::string compartment = {};
  double interval_min = 0.0;
  int count = 1;
};

/// A dose by a named route of the model ("intranasal", "oral", ... or the built-in "iv").
/// `position` is the dose's place in a session (1 = first device), which a route's
/// fraction_by_position may depend on.
struct Dose {
  double dose_mg = 0.0;
  double time_min = 0.0;
  int position = 1;
  double interval_min = 0.0;
  int count = 1;
};

/// A nasal-spray session: dose_mg given as dose_mg / device_mg devices, interval_min apart
/// (an esketamine device delivers 28 mg as two sprays; 56 mg = 2 devices, 84 mg = 3, 5 min apart).
struct NasalSpray {
  double dose_mg = 0.0;
  double start_min = 0.0;
  double device_mg = 28.0;
  double interval_min = 5.0;
  std::string route = "intranasal";
};

/// One expanded dose record (repeats already unrolled).
struct DoseRecord {
  enum class Kind { bolus, infusion, route };
  Kind kind = Kind::bolus;
  std::string target;  ///< compartment (bolus, infusion; empty = plasma) or route name
  double amount_mg = 0.0;
  double time_min = 0.0;
  double duration_min = 0.0;  ///< infusions only
  int position = 1;           ///< route doses only
};

/// A dosing regimen: an ordered list of dose records. Doses may overlap; all count.
class Regimen {
 public:
  Regimen& bolus(const Bolus& b);
  Regimen& infusion(const Infusion& inf);
  Regimen& dose(const std::string& route, const Dose& d);
  Regimen& nasal_spray(const NasalSpray& s);

  const std::vector<DoseRecord>& records() const { return records_; }
  bool empty() const { return records_.empty(); }
  /// Sum of all doses as given (before bioavailability), mg.
  double total_dose_mg() const;

 private:
  std::vector<DoseRecord> records_;
};

namespace detail {
/// Most doses one call may add (a guard against a typo exhausting memory).
inline constexpr int max_repeats = 100000;
inline void check_repeat(const char* where, double interval_min, int count) {
  KETASIM_CHECK(count >= 1 && count <= max_repeats, where, "count", "in [1, 100000]", count);
  if (count > 1)
    KETASIM_CHECK(std::isfinite(interval_min) && interval_min > 0.0, where, "interval_min",
                  "> 0 min when count > 1", interval_min, "min");
}
inline void check_time(const char* where, const char* field, double t) {
  KETASIM_CHECK(std::isfinite(t) && t >= 0.0, where, field, ">= 0 min", t, "min");
}
inline void check_dose(const char* where, double dose_mg) {
  KETASIM_CHECK(std::isfinite(dose_mg) && dose_mg >= 0.0, where, "dose_mg", ">= 0 mg", dose_mg,
                "mg");
}
}  // namespace detail

inline Regimen& Regimen::bolus(const Bolus& b) {
  constexpr const char* where = "Regimen.bolus";
  detail::check_dose(where, b.dose_mg);
  detail::check_time(where, "time_min", b.time_min);
  detail::check_repeat(where, b.interval_min, b.count);
  for (int k = 0; k < b.count; ++k)
    records_.push_back({DoseRecord::Kind::bolus, b.compartment, b.dose_mg,
                        b.time_min + k * b.interval_min, 0.0, 1});
  return *this;
}

inline Regimen& Regimen::infusion(const Infusion& inf) {
  constexpr const char* where = "Regimen.infusion";
  KETASIM_CHECK(std::isfinite(inf.duration_min) && inf.duration_min > 0.0, where, "duration_min",
                "> 0 min", inf.duration_min, "min");
  KETASIM_CHECK(inf.dose_mg.has_value() != inf.rate_mg_per_min.has_value(), where,
                "dose_mg or rate_mg_per_min", "given (exactly one of them)",
                inf.dose_mg ? "both" : "neither");
  double amount = 0.0;
  if (inf.dose_mg) {
    detail::check_dose(where, *inf.dose_mg);
    amount = *inf.dose_mg;
  } else {
    const double r = *inf.rate_mg_per_min;
    KETASIM_CHECK(std::isfinite(r) && r > 0.0, where, "rate_mg_per_min", "> 0 mg/min", r, "mg/min");
    amount = r * inf.duration_min;
    KETASIM_CHECK(
        std::isfinite(amount), where, "rate_mg_per_min x duration_min", "a finite dose", amount,
        "mg (rate_mg_per_min = " + detail::format_value(r) +
            " mg/min, duration_min = " + detail::format_value(inf.duration_min) + " min)");
  }
  const double rate = amount / inf.duration_min;
  KETASIM_CHECK(std::isfinite(rate), where, "dose_mg / duration_min", "a finite rate", rate,
                "mg/min (dose_mg = " + detail::format_value(amount) +
                    " mg, duration_min = " + detail::format_value(inf.duration_min) + " min)");
  detail::check_time(where, "start_min", inf.start_min);
  detail::check_repeat(where, inf.interval_min, inf.count);
  for (int k = 0; k < inf.count; ++k)
    records_.push_back({DoseRecord::Kind::infusion, inf.compartment, amount,
                        inf.start_min + k * inf.interval_min, inf.duration_min, 1});
  return *this;
}

inline Regimen& Regimen::dose(const std::string& route, const Dose& d) {
  constexpr const char* where = "Regimen.dose";
  KETASIM_CHECK(!route.empty(), where, "route", "a route name", route);
  detail::check_dose(where, d.dose_mg);
  detail::check_time(where, "time_min", d.time_min);
  KETASIM_CHECK(d.position >= 1, where, "position", ">= 1", d.position);
  detail::check_repeat(where, d.interval_min, d.count);
  for (int k = 0; k < d.count; ++k)
    records_.push_back({DoseRecord::Kind::route, route, d.dose_mg, d.time_min + k * d.interval_min,
                        0.0, d.position});
  return *this;
}

inline Regimen& Regimen::nasal_spray(const NasalSpray& s) {
  constexpr const char* where = "Regimen.nasal_spray";
  KETASIM_CHECK(std::isfinite(s.device_mg) && s.device_mg > 0.0, where, "device_mg", "> 0 mg",
                s.device_mg, "mg");
  KETASIM_CHECK(std::isfinite(s.dose_mg) && s.dose_mg > 0.0, where, "dose_mg", "> 0 mg", s.dose_mg,
                "mg");
  const double n = s.dose_mg / s.device_mg;
  const double devices = std::round(n);
  KETASIM_CHECK(devices >= 1.0 && std::abs(n - devices) < 1e-9, where, "dose_mg",
                "a whole number of " + detail::format_value(s.device_mg) + " mg devices", s.dose_mg,
                "mg");
  KETASIM_CHECK(devices <= detail::max_repeats, where, "dose_mg",
                "at most 100000 devices of " + detail::format_value(s.device_mg) + " mg", s.dose_mg,
                "mg");
  KETASIM_CHECK(std::isfinite(s.interval_min) && s.interval_min >= 0.0, where, "interval_min",
                ">= 0 min", s.interval_min, "min");
  detail::check_time(where, "start_min", s.start_min);
  KETASIM_CHECK(!s.route.empty(), where, "route", "a route name", s.route);
  for (int k = 0; k < static_cast<int>(devices); ++k)
    records_.push_back({DoseRecord::Kind::route, s.route, s.device_mg,
                        s.start_min + k * s.interval_min, 0.0, k + 1});
  return *this;
}

inline double Regimen::total_dose_mg() const {
  double total = 0.0;
  for (const auto& r : records_) total += r.amount_mg;
  return total;
}

}  // namespace ketasim
