// Runs a population on threads: the results allocated once, blocks of subjects handed out by an
// atomic counter, each thread with its own worker, counts and (summaries only) histograms, the
// first error by subject index rethrown after every thread has stopped, then the threads' parts
// summed.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "ketasim/detail/population_plan.hpp"
#include "ketasim/detail/population_summaries.hpp"
#include "ketasim/detail/population_worker.hpp"
#include "ketasim/population.hpp"

namespace ketasim::detail {

/// Subjects per work item: small when curves are kept (load balance), larger for summaries only,
/// whose histograms are filled one block at a time (each histogram row's busy bins stay in cache
/// for the whole block). Results do not depend on it.
constexpr std::size_t kBlockSubjects = 32;
constexpr std::size_t kSummaryBlockSubjects = 256;

/// What all threads share: the job, the work counter, the first error and the threads' parts.
struct PopulationRun {
  explicit PopulationRun(const PopulationJob& j) : job(j) {}
  const PopulationJob& job;
  std::size_t block = kBlockSubjects;  ///< subjects per work item
  std::atomic<std::size_t> next_block{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::size_t error_subject = std::numeric_limits<std::size_t>::max();
  std::exception_ptr error;
  std::vector<CountMatrix> above;                         ///< per thread, K x T
  std::vector<TimeHistogram> hist_cp, hist_ce, hist_obs;  ///< per thread (summaries only)

  /// Keeps the error of the lowest subject index (the one a single thread would have met first).
  void fail_at(std::size_t subject, std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (subject < error_subject) {
      error_subject = subject;
      error = std::move(e);
    }
    stop = true;
  }
};

/// One thread: takes blocks of subjects until none is left (or another thread failed).
inline void population_thread(PopulationRun& run, std::size_t thread) {
  const PopulationJob& job = run.job;
  const PopulationPlan& plan = job.plan;
  const std::size_t nt = plan.n_times;
  std::size_t subject = 0;
  try {
    SubjectWorker worker(job);
    CountMatrix& above = run.above[thread];
    above.setZero(static_cast<Eigen::Index>(plan.thresholds.size()), static_cast<Eigen::Index>(nt));
    // Summaries only: the curves of a block, flushed into this thread's histograms.
    BlockCurves buf;
    for (;;) {
      if (run.stop) return;
      const std::size_t s0 = run.next_block.fetch_add(1) * run.block;
      if (s0 >= plan.n) break;
      const std::size_t s1 = std::min(plan.n, s0 + run.block);
      if (!plan.individual && buf.empty())
        buf.allocate(plan, run.block, run.hist_cp[thread], run.hist_ce[thread],
                     run.hist_obs[thread]);
      for (std::size_t s = s0; s < s1; ++s) {
        subject = s;
        CurveRows rows;
        if (plan.individual) {
          PopulationData& out = job.out;
          const auto r = static_cast<Eigen::Index>(s);
          rows.cp = out.cp.row(r);
          if (plan.effect_site) rows.ce = out.ce.row(r);
          if (plan.residual.enabled()) rows.observed = out.cp_observed.row(r);
        } else {
          rows = buf.rows(s - s0);
        }
        worker.simulate(s, rows, above);
      }
      if (!plan.individual)
        buf.flush(s1 - s0, run.hist_cp[thread], run.hist_ce[thread], run.hist_obs[thread]);
    }
  } catch (const InvalidInput& e) {
    run.fail_at(subject, std::make_exception_ptr(
                             InvalidInput(std::string(kPopulation) + ": subject " +
                                          std::to_string(plan.first + subject) + ": " + e.what())));
  } catch (const SolverError& e) {
    run.fail_at(subject, std::make_exception_ptr(
                             SolverError(std::string(kPopulation) + ": subject " +
                                         std::to_string(plan.first + subject) + ": " + e.what())));
  } catch (...) {
    run.fail_at(subject, std::current_exception());
  }
}

/// The result arrays of a run, allocated (curves uninitialised: every value gets written).
inline PopulationData allocate_results(const PopulationPlan& plan, std::span<const double> times) {
  PopulationData d;
  const auto n = static_cast<Eigen::Index>(plan.n);
  const auto nt = static_cast<Eigen::Index>(plan.n_times);
  const auto nk = static_cast<Eigen::Index>(plan.thresholds.size());
  d.time_min.assign(times.begin(), times.end());
  d.n = plan.n;
  d.first_subject = plan.first;
  d.individual = plan.individual;
  d.effect_site = plan.effect_site;
  d.observed = plan.residual.enabled();
  if (plan.individual) {
    d.cp.resize(n, nt);
    if (d.effect_site) d.ce.resize(n, nt);
    if (d.observed) d.cp_observed.resize(n, nt);
  }
  d.parameter_names = plan.names;
  d.parameters.resize(n, static_cast<Eigen::Index>(plan.names.size()));
  d.cmax.assign(plan.n, 0.0);
  d.tmax.assign(plan.n, 0.0);
  d.auc.assign(plan.n, 0.0);
  if (d.effect_site) {
    d.ce_max.assign(plan.n, 0.0);
    d.ce_tmax.assign(plan.n, 0.0);
  }
  d.thresholds = plan.thresholds;
  d.threshold_series = plan.threshold_series;
  d.onset.resize(nk, n);
  d.offset.resize(nk, n);
  d.time_above.resize(nk, n);
  d.reached.resize(nk, n);
  d.above.setZero(nk, nt);
  return d;
}

inline Population run_population(const Model& model, const Regimen& regimen,
                                 std::span<const double> times_min, const PopulationSpec& spec,
                                 const PopulationOptions& options) {
  const PopulationPlan plan = plan_population(model, times_min, spec, options);
  // Regimen against the model (unknown route or compartment), once, before any thread starts.
  (void)compile(model, regimen);
  PopulationData d = allocate_results(plan, times_min);

  const std::size_t block = plan.individual ? kBlockSubjects : kSummaryBlockSubjects;
  const std::size_t blocks = (plan.n + block - 1) / block;
  std::size_t threads =
      options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::max<std::size_t>(1, std::min(threads, blocks));

  const PopulationJob job{model, regimen, times_min, spec, options, plan, d};
  PopulationRun run(job);
  run.block = block;
  run.above.resize(threads);
  run.hist_cp.resize(threads);
  run.hist_ce.resize(threads);
  run.hist_obs.resize(threads);
  if (threads == 1) {
    population_thread(run, 0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    try {
      for (std::size_t i = 0; i < threads; ++i)
        pool.emplace_back(population_thread, std::ref(run), i);
    } catch (...) {
      run.stop = true;
      for (auto& th : pool) th.join();
      throw;
    }
    for (auto& th : pool) th.join();
  }
  if (run.error) std::rethrow_exception(run.error);

  for (const auto& a : run.above)
    if (a.size() > 0) d.above += a;
  if (!plan.individual) {
    d.hist_cp = merge_histograms(run.hist_cp, plan.n_times, false);
    if (d.effect_site) d.hist_ce = merge_histograms(run.hist_ce, plan.n_times, false);
    if (d.observed) d.hist_observed = merge_histograms(run.hist_obs, plan.n_times, true);
  }
  return PopulationAccess::make(std::move(d));
}

}  // namespace ketasim::detail
