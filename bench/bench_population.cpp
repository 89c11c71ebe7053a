// Populations of the reference problem (log-normal variability on CL, V1, ke0 and the nasal ka):
// 10,000 subjects on 1 and 2 threads, keeping curves or summaries only, and sweeps over subject
// counts (10^2 to 10^5) and grid sizes (10^2 to 10^5 points), where time should grow linearly.
#include <benchmark/benchmark.h>

#include "ketasim/population.hpp"
#include "reference_problem.hpp"

namespace {

using namespace ketasim;

PopulationSpec reference_spec(std::size_t n) {
  return {.n = n,
          .seed = 7,
          .variability = {{"cl", 0.3}, {"v1", 0.3}, {"ke0", 0.3}, {"intranasal.ka", 0.3}}};
}

/// keep: curves kept (n x T arrays), else summaries only (histograms).
void run(benchmark::State& state, std::size_t n, std::size_t points, unsigned threads, bool keep) {
  const Model model = bench::reference_model();
  const Regimen regimen = bench::reference_regimen();
  const auto t = bench::reference_times(points);
  const PopulationSpec spec = reference_spec(n);
  const PopulationOptions opt{.threads = threads,
                              .keep_individual = keep,
                              .thresholds_ng_ml = {100.0},
                              .threshold_series = Output::ce};
  for (auto _ : state) {
    Population pop = simulate_population(model, regimen, t, spec, opt);
    benchmark::DoNotOptimize(pop.cmax_ng_ml().data());
  }
  state.counters["subjects"] = static_cast<double>(n);
  state.counters["points"] = static_cast<double>(points);
  // Wall time per subject, printed with its unit (e.g. "8.1us").
  state.counters["time_per_subject"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}

/// 10,000 subjects x 721 points, curves kept, on range(0) threads (wall-clock time).
void BM_population_10000(benchmark::State& s) {
  run(s, 10'000, 721, static_cast<unsigned>(s.range(0)), true);
}
BENCHMARK(BM_population_10000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The same, summaries only (percentile histograms, no n x T arrays).
void BM_population_10000_summaries(benchmark::State& s) {
  run(s, 10'000, 721, static_cast<unsigned>(s.range(0)), false);
}
BENCHMARK(BM_population_10000_summaries)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// range(0) subjects x 721 points, one thread, summaries only (memory stays bounded).
void BM_population_subjects(benchmark::State& s) {
  run(s, static_cast<std::size_t>(s.range(0)), 721, 1, false);
  s.SetComplexityN(s.range(0));
}
BENCHMARK(BM_population_subjects)
    ->RangeMultiplier(10)
    ->Range(100, 100'000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

/// 100 subjects x range(0) points over 0-720 min, one thread, curves kept.
void BM_population_grid(benchmark::State& s) {
  run(s, 100, static_cast<std::size_t>(s.range(0)), 1, true);
  s.SetComplexityN(s.range(0));
}
BENCHMARK(BM_population_grid)
    ->RangeMultiplier(10)
    ->Range(100, 100'000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
