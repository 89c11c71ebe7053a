// Binds simulate_events(): one subject's event records, given as columns (what
// ketasim.simulate_dataset hands over, one call per ID), simulated by ketasim/events.hpp.
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "ketasim/events.hpp"

namespace ketasim::python {
namespace {

constexpr const char* kWhere = "simulate_events";

constexpr const char* kSimulateEventsDoc =
    R"doc(Simulates one subject's NONMEM-style event records (ketasim.simulate_dataset calls this
once per ID; see its documentation for the semantics).

Parameters
----------
model : Model
time_min, evid, amount_mg, rate_mg_per_min, addl, ii_min, ss : array_like of float, shape (n,)
    One entry per record (evid, addl and ss whole numbers).
target : array_like of int, shape (n,)
    Index into ``targets`` of each record's compartment or route; -1: the plasma compartment.
targets : list of str
    Compartment or route names.
model : Model or list of Model
    One model for every block, or one per block.
starts : array_like of int, optional
    Blocks of records (subjects) [starts[b], starts[b + 1]), each simulated on its own (starts
    from 0 to n); default one block. The models must share compartments, effect site and
    analytes.
position : array_like of float, shape (n,), optional
    Each dose's place in a session (1 = first device), for fraction_by_position; default 1.
parameter_names : list of str
    Model parameters set at each record.
parameters : array_like of float, shape (n, len(parameter_names))
    Their values at each record.
rule : {"nocb", "locf"}
    Which record's values hold between two records: the next one's (NONMEM) or the last one's.
initial_mg : array_like of float or None
    Amount in each compartment at time 0.
initial_ce_ng_ml : float
    Effect-site concentration at time 0.
method, rtol, atol, max_steps
    As for ``simulate``.

Returns
-------
dict
    ``time_min``, ``cp_ng_ml``, ``ce_ng_ml`` (None without an effect site), ``analytes`` (names),
    ``analyte_ng_ml`` (n x analytes), ``compartments`` (names), ``amounts_mg`` (n x
    compartments): the state after each record, in record order.
)doc";

int whole(double v, std::size_t i, const char* field, int lo, int hi) {
  if (!(v == std::floor(v) && v >= lo && v <= hi))
    detail::fail(kWhere, std::string(field) + "[" + std::to_string(i) + "]",
                 "a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", v);
  return static_cast<int>(v);
}

/// Runs blocks [starts[b], starts[b + 1]) of the records, block b with models[b] (or models[0]
/// for every block when one model is given), and returns the rows concatenated.
py::dict run(py::handle models_in, py::handle starts_in, py::handle time_min, py::handle evid,
             py::handle amount_mg, py::handle rate, py::handle target, py::handle targets,
             py::handle addl, py::handle ii_min, py::handle ss, py::handle position,
             py::handle parameter_names, py::handle parameters, const std::string& rule,
             py::handle initial_mg, double initial_ce, const std::string& method, double rtol,
             double atol, long long max_steps) {
  const Doubles t = as_doubles(time_min, kWhere, "time_min");
  const auto n = static_cast<std::size_t>(t.size());
  auto column = [&](py::handle v, const char* field) {
    Doubles a = as_doubles(v, kWhere, field);
    if (static_cast<std::size_t>(a.size()) != n)
      fail_got(kWhere, field, std::to_string(n) + " values (one per record)",
               std::to_string(a.size()) + " values");
    return a;
  };
  const Doubles ev = column(evid, "evid"), amt = column(amount_mg, "amount_mg"),
                rt = column(rate, "rate_mg_per_min"), tg = column(target, "target"),
                ad = column(addl, "addl"), ii = column(ii_min, "ii_min"), s = column(ss, "ss");
  Doubles pos;
  if (!position.is_none()) pos = column(position, "position");
  std::vector<std::string> names;
  for (auto item : py::reinterpret_borrow<py::list>(targets))
    names.push_back(as_str(item, kWhere, "targets[]"));
  EventOptions opt;
  for (auto item : py::reinterpret_borrow<py::list>(parameter_names))
    opt.parameter_names.push_back(as_str(item, kWhere, "parameter_names[]"));
  const std::size_t np = opt.parameter_names.size();
  Doubles pv;
  if (np > 0) {
    pv = as_doubles(parameters, kWhere, "parameters", 2);
    if (static_cast<std::size_t>(pv.shape(0)) != n || static_cast<std::size_t>(pv.shape(1)) != np)
      fail_got(kWhere, "parameters", "of shape (records, parameter_names)",
               "(" + std::to_string(pv.shape(0)) + ", " + std::to_string(pv.shape(1)) + ")");
  }
  if (rule == "nocb")
    opt.rule = ParameterRule::nocb;
  else if (rule == "locf")
    opt.rule = ParameterRule::locf;
  else
    detail::fail(kWhere, "rule", "one of [nocb, locf]", rule);
  if (!initial_mg.is_none()) opt.initial_mg = as_vector(initial_mg, kWhere, "initial_mg");
  opt.initial_ce_ng_ml = initial_ce;
  if (max_steps < 1) detail::fail(kWhere, "max_steps", ">= 1", max_steps);
  opt.solver = {.method = parse_method(method),
                .rtol = rtol,
                .atol = atol,
                .max_steps = static_cast<std::size_t>(max_steps)};
  std::vector<EventRecord> recs(n);
  for (std::size_t i = 0; i < n; ++i) {
    EventRecord& r = recs[i];
    r.time_min = t.data()[i];
    r.evid = static_cast<Evid>(whole(ev.data()[i], i, "evid", 0, 4));
    r.amount_mg = amt.data()[i];
    r.rate_mg_per_min = rt.data()[i];
    const int k = whole(tg.data()[i], i, "target", -1, static_cast<int>(names.size()) - 1);
    if (k >= 0) r.target = names[static_cast<std::size_t>(k)];
    r.addl = whole(ad.data()[i], i, "addl", 0, detail::max_repeats);
    r.ii_min = ii.data()[i];
    r.ss = static_cast<SteadyState>(whole(s.data()[i], i, "ss", 0, 2));
    if (!position.is_none()) r.position = whole(pos.data()[i], i, "position", 1, 1000000);
  }
  // Models (copied: another thread cannot change them while the GIL is released) and blocks.
  std::vector<Model> models;
  for (auto item : py::reinterpret_borrow<py::list>(models_in)) {
    if (!py::isinstance<Model>(item)) type_error(kWhere, "models[]", "a ketasim.Model", item);
    models.push_back(item.cast<Model>());
  }
  if (models.empty()) fail_got(kWhere, "models", "at least one Model", "an empty list");
  std::vector<std::size_t> starts{0, n};
  if (!starts_in.is_none()) {
    const auto st = as_vector(starts_in, kWhere, "starts");
    starts.clear();
    for (double v : st) starts.push_back(static_cast<std::size_t>(v));
    const bool ok = st.size() >= 2 && st.front() == 0.0 && st.back() == static_cast<double>(n) &&
                    std::is_sorted(st.begin(), st.end()) &&
                    std::all_of(st.begin(), st.end(), [](double v) { return v == std::floor(v); });
    if (!ok)
      fail_got(kWhere, "starts", "whole numbers rising from 0 to the number of records",
               "another list");
  }
  const std::size_t nb = starts.size() - 1;
  if (models.size() != 1 && models.size() != nb)
    fail_got(kWhere, "models", "one Model, or one per block (" + std::to_string(nb) + ")",
             std::to_string(models.size()) + " Models");
  const auto n_comp = models[0].n_compartments();
  const bool ce = models[0].has_effect_site();
  for (const auto& mm : models)
    if (mm.compartment_names() != models[0].compartment_names() || mm.has_effect_site() != ce ||
        mm.analytes() != models[0].analytes())
      fail_got(kWhere, "models", "models of one structure (compartments, effect site, analytes)",
               "models that differ");
  const auto n_an = models[0].analytes().size();
  std::vector<double> time_out(n), cp(n), ce_out(ce ? n : 0);
  RowMatrix amounts(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n_comp));
  RowMatrix analyte(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n_an));
  std::vector<std::string> analytes, compartments;
  {
    py::gil_scoped_release release;
    detail::simulate_event_blocks(
        models, recs, starts, opt, np > 0 ? pv.data() : nullptr,
        [&](std::size_t b, const EventResult& res) {
          const std::size_t s0 = starts[b], s1 = starts[b + 1];
          std::copy(res.time_min.begin(), res.time_min.end(), time_out.begin() + s0);
          std::copy(res.cp_ng_ml.begin(), res.cp_ng_ml.end(), cp.begin() + s0);
          if (ce) std::copy(res.ce_ng_ml.begin(), res.ce_ng_ml.end(), ce_out.begin() + s0);
          const auto rows = static_cast<Eigen::Index>(s1 - s0);
          amounts.middleRows(static_cast<Eigen::Index>(s0), rows) = res.amounts_mg;
          if (n_an > 0) analyte.middleRows(static_cast<Eigen::Index>(s0), rows) = res.analyte_ng_ml;
          if (analytes.empty() && compartments.empty()) {
            analytes = res.analytes;
            compartments = res.compartments;
          }
        });
  }
  if (compartments.empty()) compartments = models[0].compartment_names();
  py::dict out;
  out["time_min"] = to_numpy(std::move(time_out));
  out["cp_ng_ml"] = to_numpy(std::move(cp));
  out["ce_ng_ml"] = ce ? py::object(to_numpy(std::move(ce_out))) : py::object(py::none());
  out["analytes"] = py::cast(analytes);
  out["analyte_ng_ml"] = py::array_t<double>({analyte.rows(), analyte.cols()}, analyte.data());
  out["compartments"] = py::cast(compartments);
  out["amounts_mg"] = py::array_t<double>({amounts.rows(), amounts.cols()}, amounts.data());
  return out;
}

}  // namespace

void bind_events(py::module_& m) {
  m.def(
      "simulate_events",
      [](py::object model, Arg<Doubles> time_min, Arg<Doubles> evid, Arg<Doubles> amount_mg,
         Arg<Doubles> rate_mg_per_min, Arg<Doubles> target, py::list targets, Arg<Doubles> addl,
         Arg<Doubles> ii_min, Arg<Doubles> ss, py::object position, py::object starts,
         py::list parameter_names, py::object parameters, Arg<std::string> rule,
         py::object initial_mg, Arg<double> initial_ce_ng_ml, Arg<std::string> method,
         Arg<double> rtol, Arg<double> atol, Arg<long long> max_steps) {
        py::list models;
        if (py::isinstance<py::list>(model))
          models = py::reinterpret_borrow<py::list>(model);
        else if (py::isinstance<Model>(model))
          models.append(model);
        else
          type_error(kWhere, "model", "a ketasim.Model or a list of them", model);
        return run(models, starts, time_min, evid, amount_mg, rate_mg_per_min, target, targets,
                   addl, ii_min, ss, position, parameter_names, parameters,
                   as_str(rule, kWhere, "rule"), initial_mg,
                   as_double(initial_ce_ng_ml, kWhere, "initial_ce_ng_ml"),
                   as_str(method, kWhere, "method"), as_double(rtol, kWhere, "rtol"),
                   as_double(atol, kWhere, "atol"), as_int(max_steps, kWhere, "max_steps"));
      },
      py::arg("model"), py::arg("time_min"), py::arg("evid"), py::arg("amount_mg"),
      py::arg("rate_mg_per_min"), py::arg("target"), py::arg("targets"), py::arg("addl"),
      py::arg("ii_min"), py::arg("ss"), py::kw_only(), py::arg("position") = py::none(),
      py::arg("starts") = py::none(), py::arg("parameter_names") = py::list(),
      py::arg("parameters") = py::none(), py::arg("rule") = "nocb",
      py::arg("initial_mg") = py::none(), py::arg("initial_ce_ng_ml") = 0.0,
      py::arg("method") = "exact", py::arg("rtol") = 1e-8, py::arg("atol") = 1e-9,
      py::arg("max_steps") = 1'000'000, kSimulateEventsDoc);
}

}  // namespace ketasim::python
