// Target-controlled infusion (tci.hpp): the real-time controller's cost per update (plasma and
// effect-site targeting), its construction, and a whole 60-min effect-site schedule with 10-s
// updates (360 updates, the regimen and the time to target), on Domino 1984 at 70 kg with
// Sleigh 2019's literature ke0.
#include <benchmark/benchmark.h>

#include <vector>

#include "ketasim/models/domino1984.hpp"
#include "ketasim/tci.hpp"

namespace {

using namespace ketasim;

Model bench_model() { return models::domino1984(70.0, {.ke0_source = "sleigh2019"}); }

void controller_update(benchmark::State& state, TargetSite mode) {
  TciController pump(bench_model(), {.mode = mode});
  double target = 150.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pump.next_rate(target));
    if (pump.time_min() > 600.0) pump.reset();
  }
  state.counters["horizon_points"] = static_cast<double>(pump.horizon_points());
}

void BM_tci_update_plasma(benchmark::State& s) { controller_update(s, TargetSite::plasma); }
void BM_tci_update_effect(benchmark::State& s) { controller_update(s, TargetSite::effect); }
BENCHMARK(BM_tci_update_plasma)->Unit(benchmark::kNanosecond);
BENCHMARK(BM_tci_update_effect)->Unit(benchmark::kNanosecond);

void BM_tci_controller_construction_effect(benchmark::State& state) {
  const Model m = bench_model();
  for (auto _ : state) {
    TciController pump(m, {.mode = TargetSite::effect});
    benchmark::DoNotOptimize(pump.horizon_points());
  }
}
BENCHMARK(BM_tci_controller_construction_effect)->Unit(benchmark::kMicrosecond);

void BM_tci_schedule_60min_effect(benchmark::State& state) {
  const Model m = bench_model();
  const std::vector<TciTarget> targets = {{0.0, 150.0}};
  for (auto _ : state) {
    TciResult r = tci(m, targets, 60.0, {.mode = TargetSite::effect});
    benchmark::DoNotOptimize(r.total_dose_mg);
  }
}
BENCHMARK(BM_tci_schedule_60min_effect)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
