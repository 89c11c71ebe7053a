"""Model and Absorption from Python: the keyword constructor, micro constants, the general
network builder, routes, named parameters, copies, and the model as data (to_dict, from_dict,
pickling)."""

import copy
import json
import pickle

import numpy as np
import pytest

import ketasim as ks
from ketasim import scenario
import reference as ref


def test_one_two_three_compartment_models_from_keywords():
    assert ks.Model(cl=1.2, v1=15.0, ke0=0.2).compartment_names == ["central"]
    assert ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0).compartment_names == [
        "central", "peripheral1"]
    m3 = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2)
    assert m3.compartment_names == ["central", "peripheral1", "peripheral2"]
    assert m3.parameters() == {"v1": 15.0, "cl": 1.2, "v2": 40.0, "q2": 2.0, "v3": 150.0,
                               "q3": 0.6, "ke0": 0.2}
    assert m3.has_effect_site and m3.plasma == "central"
    assert not ks.Model(cl=1.2, v1=15.0).has_effect_site


def test_from_micro_converts_to_clearances():
    # Domino 1984 micro constants (opentiva/stanpumpR), 70 kg: V1 = 0.063 L/kg.
    v1 = 0.063 * 70.0
    m = ks.Model.from_micro(v1=v1, k10=0.4381, k12=0.5921, k21=0.2470, k13=0.5900, k31=0.0146)
    assert m.parameter("cl") == pytest.approx(0.4381 * v1, rel=1e-14)
    assert m.parameter("q2") == pytest.approx(0.5921 * v1, rel=1e-14)
    assert m.parameter("v2") == pytest.approx(v1 * 0.5921 / 0.2470, rel=1e-14)
    assert m.parameter("v3") == pytest.approx(v1 * 0.5900 / 0.0146, rel=1e-14)


def test_routes_dict_single_and_split_paths():
    m = ks.Model(cl=1.2, v1=15.0, ke0=0.2, routes={
        "intranasal": [ks.Absorption(ka=0.05, f=0.45, fraction=0.6, name="nasal"),
                       ks.Absorption(ka=0.01, f=0.2, fraction=0.4, name="swallowed")],
        "im": ks.Absorption(ka=0.1, f=0.9, tlag=1.0),
    })
    assert m.route_names == ["intranasal", "im"]
    assert m.has_route("iv") and m.has_route("im") and not m.has_route("oral")
    names = m.parameter_names()
    for n in ["intranasal.nasal.ka", "intranasal.nasal.f", "intranasal.swallowed.ka", "im.ka",
              "im.f", "im.tlag"]:
        assert n in names
    assert m.parameter_unit("im.ka") == "1/min"
    assert m.parameter_unit("im.tlag") == "min"
    assert m.parameter_unit("im.f") == ""
    assert m.parameter_unit("cl") == "L/min"
    assert m.parameter_unit("v1") == "L"
    assert m.compartment_names == ["central", "intranasal.nasal.depot",
                                   "intranasal.swallowed.depot", "im.depot"]


def test_split_route_matches_the_sum_of_its_paths():
    m = ks.Model(cl=1.2, v1=15.0, routes={
        "intranasal": [ks.Absorption(ka=0.05, f=0.45, fraction=0.6),
                       ks.Absorption(ka=0.01, f=0.2, fraction=0.4)]})
    t = np.arange(0.0, 241.0)
    res = ks.simulate(m, ks.Regimen().dose("intranasal", dose_mg=50.0), t)
    a = ref.RefModel(cl=1.2, v1=15.0, ka=0.05, f=0.45)
    b = ref.RefModel(cl=1.2, v1=15.0, ka=0.01, f=0.2)
    expected = (ref.cp_ng_ml(a, ref.exact(a, ref.RefDoses().depot_dose(a, 0.0, 30.0), t))
                + ref.cp_ng_ml(b, ref.exact(b, ref.RefDoses().depot_dose(b, 0.0, 20.0), t)))
    np.testing.assert_allclose(res.cp_ng_ml, expected, rtol=1e-10, atol=1e-12)


def test_fraction_by_position_changes_later_devices():
    m = ks.Model(cl=1.2, v1=15.0, routes={"intranasal": [
        ks.Absorption(ka=0.05, f=0.5, fraction_by_position=[1.0, 0.5], name="nasal"),
        ks.Absorption(ka=0.01, f=0.1, fraction_by_position=[1.0, 0.5], name="gut")]})
    res = ks.simulate(m, ks.Regimen().nasal_spray(dose_mg=56), [0.0, 5.0])
    # Device 2 (position 2) sends half of its 28 mg down each path.
    depots = res.amounts_mg[1, 1:]
    nasal_expected = 0.5 * 28.0 * np.exp(-0.05 * 5.0) + 0.5 * 0.5 * 28.0
    gut_expected = 0.1 * 28.0 * np.exp(-0.01 * 5.0) + 0.1 * 0.5 * 28.0
    np.testing.assert_allclose(depots, [nasal_expected, gut_expected], rtol=1e-12)


def test_absorption_fields_and_repr():
    a = ks.Absorption(ka=0.05, f=0.45, tlag=1.5, duration=3.0, fraction=0.5, target="c",
                      name="p")
    assert (a.ka, a.f, a.tlag, a.duration, a.fraction, a.target, a.name) == (
        0.05, 0.45, 1.5, 3.0, 0.5, "c", "p")
    a.ka = 0.1
    a.fraction_by_position = [1.0, 0.5]
    assert a.ka == 0.1 and a.fraction_by_position == [1.0, 0.5]
    assert repr(ks.Absorption(ka=0.05, f=0.45)) == "Absorption(ka=0.05, f=0.45, tlag=0)"
    assert ks.Absorption().ka == 0.0 and ks.Absorption().f == 1.0


def test_zero_order_route_matches_an_infusion():
    m = ks.Model(cl=1.2, v1=15.0, routes={"sc": ks.Absorption(duration=10.0, f=0.8)})
    t = np.arange(0.0, 61.0)
    res = ks.simulate(m, ks.Regimen().dose("sc", dose_mg=20.0, time_min=5.0), t)
    r = ref.RefModel(cl=1.2, v1=15.0)
    expected = ref.cp_ng_ml(r, ref.exact(r, ref.RefDoses().infusion(5.0, 10.0, "central", 16.0), t))
    np.testing.assert_allclose(res.cp_ng_ml, expected, rtol=1e-10, atol=1e-12)


def test_general_builder_equals_the_mammillary_constructor():
    built = (ks.Model()
             .add_compartment("central", 15.0, "v1")
             .add_compartment("peripheral1", 40.0, "v2")
             .add_clearance("central", 1.2, "cl")
             .add_exchange("central", "peripheral1", 2.0, "q2")
             .set_effect_site(0.2)
             .with_route("intranasal", ks.Absorption(ka=0.05, f=0.45)))
    keyword = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, ke0=0.2,
                       routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
    reg = ks.Regimen().infusion(dose_mg=35, duration_min=40).dose("intranasal", 28.0)
    t = np.arange(0.0, 181.0)
    a, b = ks.simulate(built, reg, t), ks.simulate(keyword, reg, t)
    np.testing.assert_allclose(a.cp_ng_ml, b.cp_ng_ml, rtol=1e-13)
    np.testing.assert_allclose(a.ce_ng_ml, b.ce_ng_ml, rtol=1e-13, atol=1e-13)


def test_builder_methods_return_the_same_model_object():
    m = ks.Model()
    assert m.add_compartment("a", 10.0) is m
    assert m.add_compartment("b", 20.0) is m
    assert m.add_depot("gut") is m
    assert m.add_transfer("gut", "a", 0.1, "ka_gut") is m
    assert m.add_flow("a", "b", 1.0, "qab") is m
    assert m.add_flow("b", "a", 1.0, "qba") is m
    assert m.add_elimination("b", 0.05, "kb") is m
    assert m.add_clearance("a", 1.0, "cl") is m
    assert m.set_plasma("a") is m
    assert m.set_effect_site(0.3, "a") is m
    assert m.add_analyte("b") is m
    assert m.with_route("oral", [ks.Absorption(target="gut", f=0.2)]) is m
    assert m.set_parameter("cl", 2.0) is m
    assert m.parameter("cl") == 2.0
    assert m.parameter("v_a") == 10.0  # default volume parameter name
    assert len(m) == 3 and m.analytes == ["b"]
    m.validate()


def test_general_network_with_flows_matches_scipy():
    # Two compartments joined by one-way flows, elimination as a rate from the second, an oral
    # route into a gut depot feeding the first.
    m = (ks.Model().add_compartment("a", 10.0).add_compartment("b", 20.0).add_depot("gut")
         .add_transfer("gut", "a", 0.1, "kg").add_flow("a", "b", 1.0, "qab")
         .add_flow("b", "a", 0.5, "qba").add_elimination("b", 0.05, "kb")
         .with_route("oral", ks.Absorption(target="gut", f=0.2)))
    t = np.arange(0.0, 121.0)
    res = ks.simulate(m, ks.Regimen().dose("oral", 100.0), t)
    from scipy.linalg import expm

    a = np.array([[-0.1, 0.5 / 20.0, 0.1],
                  [0.1, -0.5 / 20.0 - 0.05, 0.0],
                  [0.0, 0.0, -0.1]])
    x0 = np.array([0.0, 0.0, 20.0])
    expected = np.array([expm(a * tt) @ x0 for tt in t])
    np.testing.assert_allclose(res.amounts_mg, expected, rtol=1e-10, atol=1e-12)


def test_set_parameter_changes_the_simulation():
    m = ks.Model(cl=1.2, v1=15.0)
    m.set_parameter("cl", 2.4)
    res = ks.simulate(m, ks.Regimen().bolus(15.0), [10.0])
    assert res.cp_ng_ml[0] == pytest.approx(1000.0 * np.exp(-2.4 / 15.0 * 10.0), rel=1e-12)


def test_copies_are_independent():
    m = ks.Model(cl=1.2, v1=15.0)
    for c in (m.copy(), copy.copy(m), copy.deepcopy(m)):
        c.set_parameter("cl", 9.0)
        assert m.parameter("cl") == 1.2
    r = ks.Regimen().bolus(1.0)
    for c in (r.copy(), copy.copy(r), copy.deepcopy(r)):
        c.bolus(2.0)
        assert len(r) == 1


def test_repr_names_compartments_routes_and_parameters():
    m = ks.Model(cl=1.2, v1=15.0, ke0=0.2, routes={"intranasal": ks.Absorption(ka=0.05)})
    text = repr(m)
    assert text.startswith("Model(compartments=['central', 'intranasal.depot']")
    assert "routes=['intranasal']" in text and "'cl': 1.2" in text and "'ke0': 0.2" in text
    assert repr(ks.Model()) == "Model(compartments=[], routes=[], parameters={})"


# -- The model as data: to_dict / from_dict and pickling share one layout -------------------

def _mid_covariates(key):
    out = {}
    for name, c in ks.models.info(key)["covariates"].items():
        if c["default"] is not None:
            out[name] = c["default"]
        elif c["flag"]:
            out[name] = True
        else:
            out[name] = 0.5 * (c["min"] + c["max"])
    return out


def _general_networks():
    """Depots, one-way flows, analytes, an effect site on a non-plasma driver, multi-path
    routes with fraction_by_position, links added after a route."""
    a = (ks.Model().add_compartment("tissue", 30.0, "vt").add_depot("gut")
         .add_compartment("blood", 5.0, "vb")
         .add_transfer("gut", "blood", 0.02, "k_gut")
         .add_flow("blood", "tissue", 0.7, "q_bt").add_flow("tissue", "blood", 0.5, "q_tb")
         .add_elimination("tissue", 0.01, "k_met")
         .with_route("nasal", [
             ks.Absorption(ka=0.08, f=0.5, fraction_by_position=[0.6, 0.4], name="mucosa"),
             ks.Absorption(f=0.3, duration=12.0, fraction_by_position=[0.4, 0.6], target="gut",
                           name="swallowed")])
         .add_compartment("metabolite", 50.0)
         .add_exchange("blood", "metabolite", 0.3, "q_m")
         .add_clearance("metabolite", 0.9, "cl_m")
         .add_depot("late_depot").add_transfer("late_depot", "blood", 0.04, "k_late")
         .with_route("im", ks.Absorption(ka=0.2, f=0.9, tlag=1.5, target="tissue"))
         .set_plasma("blood").set_effect_site(0.3, "tissue").add_analyte("metabolite"))
    b = a.copy().set_parameter("nasal.swallowed.duration", 0.0)
    c = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2, routes={
        "intranasal": [ks.Absorption(ka=0.05, f=0.45, fraction=0.6, name="nasal"),
                       ks.Absorption(ka=0.01, f=0.2, tlag=2.0, fraction=0.4, name="gut")],
        "sc": ks.Absorption(duration=10.0, f=0.8)})
    return {"network": a, "zero duration": b, "mammillary with routes": c}


def _every_route(m):
    r = ks.Regimen().bolus(10.0).infusion(dose_mg=30.0, duration_min=20.0)
    for name in m.route_names:
        r.dose(name, 20.0, time_min=3.0).dose(name, 20.0, time_min=8.0, position=2)
    return r


def _check_same(m, back):
    assert back == m
    assert back.parameters() == m.parameters()
    assert list(back.parameters()) == list(m.parameters())  # same order
    assert back.to_dict() == m.to_dict()
    t = np.arange(0.0, 241.0, 0.5)
    r = _every_route(m)
    x, y = ks.simulate(m, r, t), ks.simulate(back, r, t)
    np.testing.assert_array_equal(x.cp_ng_ml, y.cp_ng_ml)
    np.testing.assert_array_equal(x.amounts_mg, y.amounts_mg)
    if m.has_effect_site:
        np.testing.assert_array_equal(x.ce_ng_ml, y.ce_ng_ml)
    for a in m.analytes:
        np.testing.assert_array_equal(x.concentration_ng_ml(a), y.concentration_ng_ml(a))


@pytest.mark.parametrize("key", ks.models.list())
def test_every_catalogue_model_round_trips_through_dict_json_and_pickle(key):
    m = ks.models.get(key, **_mid_covariates(key))
    _check_same(m, ks.Model.from_dict(m.to_dict()))
    _check_same(m, ks.Model.from_dict(json.loads(json.dumps(m.to_dict()))))
    _check_same(m, pickle.loads(pickle.dumps(m)))


@pytest.mark.parametrize("name", list(_general_networks()))
def test_general_networks_round_trip_through_dict_json_and_pickle(name):
    m = _general_networks()[name]
    _check_same(m, ks.Model.from_dict(json.loads(json.dumps(m.to_dict()))))
    _check_same(m, pickle.loads(pickle.dumps(m)))
    assert m.__getstate__() == m.to_dict()


def test_to_dict_layout_of_a_model_with_a_route():
    m = ks.Model(cl=1.2, v1=15.0, ke0=0.2, routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
    assert m.to_dict() == {
        "parameters": [{"name": "v1", "value": 15.0, "kind": "volume"},
                       {"name": "cl", "value": 1.2, "kind": "clearance"},
                       {"name": "ke0", "value": 0.2, "kind": "ke0"},
                       {"name": "intranasal.f", "value": 0.45, "kind": "f"},
                       {"name": "intranasal.tlag", "value": 0.0, "kind": "tlag"},
                       {"name": "intranasal.ka", "value": 0.05, "kind": "ka"}],
        "compartments": [{"name": "central", "volume": "v1"},
                         {"name": "intranasal.depot", "volume": None}],
        "links": [{"from": "central", "to": None, "parameter": "cl"}],
        "routes": [{"name": "intranasal", "paths": [
            {"name": "path1", "target": "central", "depot": "intranasal.depot",
             "ka": "intranasal.ka", "f": "intranasal.f", "tlag": "intranasal.tlag",
             "duration": None, "fraction": 1.0, "fraction_by_position": []}]}],
        "plasma": "central",
        "effect_site": {"driver": "central", "ke0": "ke0"},
        "analytes": [],
    }
    assert ks.Model.from_dict(ks.Model().to_dict()) == ks.Model()


def test_a_hand_written_dict_simulates_like_the_builder():
    # One compartment with an oral route into a gut depot listed by hand: Cp is the Bateman
    # function F D ka / (V (ka - k)) (exp(-k t) - exp(-ka t)).
    d = {"parameters": [{"name": "v", "value": 20, "kind": "volume"},
                        {"name": "cl", "value": 2, "kind": "clearance"},
                        {"name": "ka", "value": 0.3, "kind": "ka"},
                        {"name": "f", "value": 0.5, "kind": "f"},
                        {"name": "lag", "value": 0, "kind": "tlag"}],
         "compartments": [{"name": "c", "volume": "v"}, {"name": "gut", "volume": None}],
         "links": [{"from": "c", "to": None, "parameter": "cl"}],
         "routes": [{"name": "oral", "paths": [
             {"name": "only", "target": "c", "depot": "gut", "ka": "ka", "f": "f", "tlag": "lag",
              "duration": None, "fraction": 1, "fraction_by_position": []}]}],
         "plasma": "c", "effect_site": None, "analytes": []}
    m = ks.Model.from_dict(d)
    t = np.arange(0.0, 61.0)
    cp = ks.simulate(m, ks.Regimen().dose("oral", 100.0), t).cp_ng_ml
    k, ka = 0.1, 0.3
    expected = 1000.0 * 0.5 * 100.0 * ka / (20.0 * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))
    np.testing.assert_allclose(cp, expected, rtol=1e-12, atol=1e-12)


def _bad(edit):
    d = _general_networks()["network"].to_dict()
    edit(d)
    return d


@pytest.mark.parametrize("edit, error, message", [
    (lambda d: d.pop("links"), ValueError,
     "Model.from_dict: links must be given (a dict with the keys [parameters, compartments, "
     "links, routes, plasma, effect_site, analytes]), got nothing"),
    (lambda d: d.update(extra=1), ValueError,
     "Model.from_dict: d must be a dict with the keys [parameters, compartments, links, routes, "
     "plasma, effect_site, analytes], got unknown key 'extra'"),
    (lambda d: d["links"][0].update(kind="rate"), ValueError,
     "Model.from_dict: links[0] must be a dict with the keys [from, to, parameter], got unknown "
     "key 'kind'"),
    (lambda d: d["routes"][0]["paths"][1].pop("fraction"), ValueError,
     "Model.from_dict: routes[0].paths[1].fraction must be given (a dict with the keys [name, "
     "target, depot, ka, f, tlag, duration, fraction, fraction_by_position]), got nothing"),
    (lambda d: d["parameters"][0].update(value="30"), TypeError,
     "Model.from_dict: parameters[0].value must be a number, got '30'"),
    (lambda d: d["parameters"][0].update(value=True), TypeError,
     "Model.from_dict: parameters[0].value must be a number, got True"),
    (lambda d: d["links"][0].update(to=3), TypeError,
     "Model.from_dict: links[0].to must be a str or None, got 3"),
    (lambda d: d["links"][0].update(to=""), ValueError,
     "Model.from_dict: links[0].to must be a non-empty name or None, got ''"),
    (lambda d: d.update(routes={}), TypeError,
     "Model.from_dict: routes must be a list, got {}"),
    (lambda d: d["routes"][0]["paths"][0].update(fraction_by_position=[0.5, "x"]), TypeError,
     "Model.from_dict: routes[0].paths[0].fraction_by_position[1] must be a number, got 'x'"),
    (lambda d: d.update(effect_site=[]), TypeError,
     "Model.from_dict: effect_site must be a dict, got []"),
    (lambda d: d.update(analytes=[None]), TypeError,
     "Model.from_dict: analytes[0] must be a str, got None"),
    (lambda d: d["parameters"][0].update(kind="speed"), ValueError,
     "Model: parameters[0].kind must be one of [volume, clearance, rate, ka, f, tlag, duration, "
     "ke0], got \"speed\""),
    (lambda d: d["parameters"][0].update(value=-1.0), ValueError,
     "Model: parameters[0].value (vt) must be > 0 L, got -1 L"),
    (lambda d: d["links"][0].update(to="liver"), ValueError,
     "Model: links[0].to must be one of the compartments [tissue, gut, blood, nasal.mucosa.depot, "
     "metabolite, late_depot, im.depot], got \"liver\""),
    (lambda d: d["links"][0].update(parameter="vb"), ValueError,
     "Model: links[0].parameter must be a parameter of kind clearance or rate (\"vb\" is of kind "
     "volume), got \"vb\""),
    (lambda d: d["routes"][0]["paths"][0].update(depot=None), ValueError,
     "Model: routes[0].paths[0].depot must be given with routes[0].paths[0].ka (a depot drains "
     "at rate ka), got nothing"),
    (lambda d: d.update(plasma="gut"), ValueError,
     "Model: plasma must be a compartment with a volume (not a depot), got \"gut\""),
    (lambda d: d["parameters"].append({"name": "spare", "value": 1.0, "kind": "rate"}),
     ValueError,
     "Model: parameters[20] must be used by a compartment, a link, a route or the effect site, "
     "got \"spare\""),
])
def test_bad_dicts_name_the_key(edit, error, message):
    with pytest.raises(error) as info:
        ks.Model.from_dict(_bad(edit))
    assert str(info.value) == message


def test_from_dict_and_setstate_reject_a_non_dict():
    with pytest.raises(TypeError, match=r"^Model.from_dict: d must be a dict, got \[\]$"):
        ks.Model.from_dict([])
    with pytest.raises(TypeError, match=r"^Model.from_dict: d must be a dict, got 'x'$"):
        ks.Model.__new__(ks.Model).__setstate__("x")


def test_regimens_pickle_as_their_records():
    r = (ks.Regimen().bolus(10.0, interval_min=60.0, count=3)
         .infusion(rate_mg_per_min=0.5, start_min=5.0, duration_min=20.0, compartment="central")
         .nasal_spray(dose_mg=84.0, start_min=30.0).dose("iv", 0.0, time_min=7.0))
    back = pickle.loads(pickle.dumps(r))
    fields = ("kind", "target", "amount_mg", "time_min", "duration_min", "position")
    assert ([tuple(getattr(x, f) for f in fields) for x in back.records]
            == [tuple(getattr(x, f) for f in fields) for x in r.records])
    with pytest.raises(ValueError, match=r"Regimen: pickled state records\[0\].kind must be one "
                                         r"of \[bolus, infusion, route\], got 'x'"):
        ks.Regimen.__new__(ks.Regimen).__setstate__({"records": [
            {"kind": "x", "target": "", "amount_mg": 1.0, "time_min": 0.0, "duration_min": 0.0,
             "position": 1}]})


def test_a_scenario_model_may_be_written_as_data():
    m = _general_networks()["network"]
    doc = {"model": dict(m.to_dict(), source="hand-written network"),
           "regimen": [{"dose": {"route": "nasal", "dose_mg": 20}}],
           "times_min": {"stop": 120, "step": 1}, "series": "cp"}
    sc = scenario.from_dict(doc, "run.json")
    assert sc.model == m
    t = np.arange(0.0, 121.0)
    np.testing.assert_array_equal(sc.simulate().cp_ng_ml,
                                  ks.simulate(m, ks.Regimen().dose("nasal", 20.0), t).cp_ng_ml)
    bad = json.loads(json.dumps(doc))
    bad["model"]["links"][0]["to"] = "liver"
    with pytest.raises(scenario.ScenarioError) as info:
        scenario.from_dict(bad, "run.json")
    assert str(info.value).startswith("run.json: model.links[0].to must be one of the "
                                      "compartments [tissue, gut,")
    bad["model"]["links"][0]["to"] = 3
    with pytest.raises(scenario.ScenarioError,
                       match=r"^run.json: model.links\[0\].to must be a str or None, got 3$"):
        scenario.from_dict(bad, "run.json")
    bad["model"]["link"] = bad["model"].pop("links")
    with pytest.raises(scenario.ScenarioError,
                       match=r"^run.json: model.link is not a known key \(known: source, "
                             r"parameters, compartments, links, routes, plasma, effect_site, "
                             r"analytes\), got \"link\"$"):
        scenario.from_dict(bad, "run.json")
