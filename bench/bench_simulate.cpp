// One subject of the reference problem by each solver (exact, ode, ode_stiff), and the exact
// solver over grids of 10^2 to 10^5 output points (time should grow linearly in points).
#include <benchmark/benchmark.h>

#include "reference_problem.hpp"

namespace {

using namespace ketasim;

void run_one(benchmark::State& state, Method method) {
  const Model model = bench::reference_model();
  const Regimen regimen = bench::reference_regimen();
  const std::vector<double> t = bench::reference_times();
  const Options opt{.method = method};
  for (auto _ : state) {
    Result r = simulate(model, regimen, t, opt);
    benchmark::DoNotOptimize(r.cp_ng_ml().data());
  }
  state.counters["points"] = static_cast<double>(t.size());
}

void BM_one_subject_exact(benchmark::State& s) { run_one(s, Method::exact); }
void BM_one_subject_ode(benchmark::State& s) { run_one(s, Method::ode); }
void BM_one_subject_ode_stiff(benchmark::State& s) { run_one(s, Method::ode_stiff); }
BENCHMARK(BM_one_subject_exact)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_one_subject_ode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_one_subject_ode_stiff)->Unit(benchmark::kMicrosecond);

/// One subject, exact solver, over 0-720 min with range(0) output points.
void BM_grid_exact(benchmark::State& state) {
  const Model model = bench::reference_model();
  const Regimen regimen = bench::reference_regimen();
  const auto t = bench::reference_times(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Result r = simulate(model, regimen, t);
    benchmark::DoNotOptimize(r.cp_ng_ml().data());
  }
  state.SetComplexityN(state.range(0));
  state.counters["time_per_point"] = benchmark::Counter(
      static_cast<double>(t.size()),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_grid_exact)
    ->RangeMultiplier(10)
    ->Range(100, 100'000)
    ->Unit(benchmark::kMicrosecond)
    ->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
