// What a catalogue model's paper publishes about variability, as data: between-subject
// variability of each parameter (scale, value as printed, the conversion to the SD of eta),
// correlations, the residual error model and the studied population's covariate distribution;
// plus what the paper leaves blank or ambiguous, said in words and left out. Populations
// (ks.simulate_population(..., variability="published")) and individual fits use it.
#pragma once

#include <cmath>
#include <string>
#include <vector>

namespace ketasim::models {

/// The scale a parameter varies on between subjects.
enum class VariabilityScale {
  log_normal,    ///< P_i = P exp(eta_i)
  logit_normal,  ///< logit P_i = logit P + eta_i (a fraction)
  additive,      ///< P_i = P + eta_i
};

inline const char* to_string(VariabilityScale s) {
  switch (s) {
    case VariabilityScale::log_normal:
      return "log-normal";
    case VariabilityScale::logit_normal:
      return "logit-normal";
    case VariabilityScale::additive:
      return "additive";
  }
  return "log-normal";
}

/// Between-subject variability of one parameter, as the paper prints it and as ketasim uses it.
struct ParameterVariability {
  std::string published_name = {};  ///< as in the paper ("ka,n", "FRn", "Vd")
  /// The model parameter it varies (model.parameter_names()); "" when it is not a named
  /// parameter of the ketasim model (then `target` says what it acts on).
  std::string parameter = {};
  std::string target = {};  ///< for a non-parameter: "intranasal.nasal.fraction" (FRn per device)
  VariabilityScale scale = VariabilityScale::log_normal;
  double published = 0.0;         ///< the number as printed
  std::string published_as = {};  ///< "%CV", "omega^2", "SD on the logit scale (printed 70.8)"
  double sd = 0.0;                ///< SD of eta on `scale`, after the conversion below
  std::string conversion = {};    ///< how sd follows from the printed number
  std::string source = {};        ///< table, page
};

/// A covariance between two etas (a block of the omega matrix).
struct EtaCorrelation {
  std::string a = {};  ///< parameter names, as in ParameterVariability::parameter
  std::string b = {};
  double published = 0.0;  ///< as printed (a covariance, omega_ab)
  std::string published_as = {};
  double correlation = 0.0;  ///< omega_ab / (sd_a sd_b), from the values used for sd
  std::string source = {};
};

/// The kind of residual error a paper fits.
enum class ResidualKind {
  proportional,  ///< obs = C (1 + eps), eps ~ N(0, proportional^2)
  additive,      ///< obs = C + eps, eps ~ N(0, additive_ng_ml^2)
  combined,      ///< obs = C (1 + eps1) + eps2
  exponential,   ///< log obs = log C + eps (additive on log-transformed data, "LTBS")
};

inline const char* to_string(ResidualKind k) {
  switch (k) {
    case ResidualKind::proportional:
      return "proportional";
    case ResidualKind::additive:
      return "additive";
    case ResidualKind::combined:
      return "combined";
    case ResidualKind::exponential:
      return "exponential (additive on log-transformed data)";
  }
  return "proportional";
}

/// The residual error model of one analyte.
struct ResidualModel {
  std::string analyte = {};  ///< "cp" (the plasma concentration) or a metabolite's name
  ResidualKind kind = ResidualKind::proportional;
  double proportional = 0.0;    ///< SD (0.2 = 20 %) for proportional and combined
  double additive_ng_ml = 0.0;  ///< SD, ng/mL, for additive and combined
  double exponential = 0.0;     ///< SD on the log scale for exponential
  std::string published = {};   ///< as printed, with its conversion
  std::string source = {};
};

/// The distribution of one covariate in the studied population, where the paper reports one
/// ketasim can draw from without inventing a shape.
struct CovariateDistribution {
  std::string covariate = {};  ///< the model's covariate name ("weight_kg", "asian")
  std::string kind = {};       ///< "normal" (mean, sd, redrawn outside [min, max]) or "bernoulli"
  double mean = 0.0;           ///< normal: mean; bernoulli: probability of 1
  double sd = 0.0;             ///< normal only
  double min = 0.0;            ///< normal: draws outside [min, max] are redrawn
  double max = 0.0;
  std::string given_flag =
      {};  ///< bernoulli only: drawn among subjects with this flag = 1 ("" none)
  std::string published = {};  ///< as printed
  std::string source = {};
};

/// Everything a model's source publishes about variability.
struct PublishedVariability {
  std::vector<ParameterVariability> parameters = {};
  std::vector<EtaCorrelation> correlations = {};
  std::vector<ResidualModel> residuals = {};
  std::vector<CovariateDistribution> covariates = {};
  /// What the source leaves blank or ambiguous, or why there is no variability at all: each
  /// line names the item and why it was left out.
  std::vector<std::string> omitted;
  bool empty() const { return parameters.empty() && residuals.empty(); }
};

/// SD of eta for a log-normal parameter with coefficient of variation cv_percent:
/// sqrt(ln(1 + CV^2)).
inline double log_sd_from_cv(double cv_percent) {
  const double cv = cv_percent / 100.0;
  return std::sqrt(std::log1p(cv * cv));
}

}  // namespace ketasim::models
