"""Model and Absorption from Python: the keyword constructor, micro constants, the general
network builder, routes, named parameters and copies."""

import copy

import numpy as np
import pytest

import ketasim as ks
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
