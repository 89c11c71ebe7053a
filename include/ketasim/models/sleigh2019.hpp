// Published effect-site equilibration values a user may pair with a catalogue model that has no
// ke0 of its own: Sleigh 2019's EEG-derived half-times after an IV bolus of racemic ketamine.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/error.hpp"

namespace ketasim::models {

/// A ke0 taken from a pharmacodynamic study, with the caveat that travels with it.
struct LiteratureKe0 {
  std::string key;           ///< the ke0_source a user passes ("sleigh2019")
  double t_half_s = 0.0;     ///< published equilibration half-time, s
  double ke0_per_min = 0.0;  ///< ln 2 / t_half, 1/min
  std::string endpoint;      ///< what the effect was
  std::string citation;
  std::string caveat;
};

/// Every named literature ke0, in a fixed order.
///
/// Sleigh J, Pullon RM, Vlisides PE, Warnaby CE. Electroencephalographic slow wave dynamics and
/// loss of behavioural responsiveness induced by ketamine in human volunteers. Br J Anaesth
/// 2019;123(5):592-600 (abstract read at metajournal.com/articles/920563; DOI not verified here).
/// 15 volunteers, racemic ketamine 1.5 mg/kg IV bolus, 128-channel EEG re-analysed with sigmoid
/// PK-PD models. Abstract: slow-wave effect-site equilibration half-time 23 (SD 4) s; theta
/// 47 (22) s; loss of responsiveness at an estimated brain concentration of 1.64 (0.17) ug/mL,
/// recovery at 1.06 (0.21) ug/mL. The PK model the fit used is not named in the abstract.
inline const std::vector<LiteratureKe0>& literature_ke0s() {
  static const std::vector<LiteratureKe0> all = [] {
    const std::string citation =
        "Sleigh J, Pullon RM, Vlisides PE, Warnaby CE. Electroencephalographic slow wave dynamics "
        "and loss of behavioural responsiveness induced by ketamine in human volunteers. Br J "
        "Anaesth 2019;123(5):592-600";
    const std::string caveat =
        "fitted to EEG after a 1.5 mg/kg IV bolus of racemic ketamine in 15 volunteers, with "
        "another PK model than the one it is paired with here (the abstract does not name it); a "
        "ke0 is only strictly valid with the PK model it was fitted with";
    auto make = [&](std::string key, double t_half_s, std::string endpoint) {
      return LiteratureKe0{std::move(key),      t_half_s, std::log(2.0) / (t_half_s / 60.0),
                           std::move(endpoint), citation, caveat};
    };
    return std::vector<LiteratureKe0>{
        make("sleigh2019", 23.0, "EEG slow-wave activity (equilibration half-time 23 s)"),
        make("sleigh2019_theta", 47.0, "EEG theta power (equilibration half-time 47 s)")};
  }();
  return all;
}

/// The literature ke0 named `key`; throws InvalidInput listing the names otherwise.
inline const LiteratureKe0& literature_ke0(std::string_view key) {
  std::string known;
  for (const auto& k : literature_ke0s()) {
    if (k.key == key) return k;
    known += (known.empty() ? "" : ", ") + k.key;
  }
  ketasim::detail::fail("models", "ke0_source",
                        "one of the named literature values [" + known + "]", key);
}

}  // namespace ketasim::models
