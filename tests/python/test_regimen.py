"""Regimen from Python: chained builders, expanded records, mg/kg and nasal-spray sessions."""

import pytest

import ketasim as ks


def test_methods_chain_and_return_the_same_regimen():
    r = ks.Regimen()
    assert r.bolus(10.0) is r
    assert r.infusion(dose_mg=35.0, duration_min=40.0) is r
    assert r.dose("intranasal", dose_mg=28.0, time_min=0.0) is r
    assert r.nasal_spray(dose_mg=56.0) is r
    assert len(r) == 5


def test_records_expand_repeats_with_times_and_positions():
    r = (ks.Regimen()
         .bolus(10.0, 5.0, interval_min=60.0, count=3, compartment="central")
         .infusion(rate_mg_per_min=0.5, start_min=10.0, duration_min=20.0)
         .dose("intranasal", dose_mg=28.0, time_min=0.0, position=2, interval_min=5.0, count=2)
         .nasal_spray(dose_mg=84.0, start_min=100.0))
    recs = r.records
    assert [x.kind for x in recs] == ["bolus"] * 3 + ["infusion"] + ["route"] * 5
    assert [x.time_min for x in recs[:3]] == [5.0, 65.0, 125.0]
    assert recs[0].target == "central" and recs[0].amount_mg == 10.0
    assert recs[3].amount_mg == 10.0 and recs[3].duration_min == 20.0  # 0.5 mg/min x 20 min
    assert [x.time_min for x in recs[4:6]] == [0.0, 5.0]
    assert [x.position for x in recs[4:6]] == [2, 2]
    assert [x.time_min for x in recs[6:]] == [100.0, 105.0, 110.0]
    assert [x.position for x in recs[6:]] == [1, 2, 3]
    assert all(x.target == "intranasal" and x.amount_mg == 28.0 for x in recs[6:])
    assert r.total_dose_mg == pytest.approx(30.0 + 10.0 + 56.0 + 84.0)
    assert "DoseRecord(kind='infusion'" in repr(recs[3])
    assert repr(r) == "Regimen(9 doses, total 180 mg)"


def test_records_are_copies_that_survive_later_additions():
    r = ks.Regimen().bolus(1.0)
    first = r.records[0]
    for _ in range(100):
        r.bolus(2.0)
    assert first.amount_mg == 1.0


def test_nasal_spray_device_size_interval_and_route():
    r = ks.Regimen().nasal_spray(56.0, 3.0, device_mg=14.0, interval_min=2.0, route="nose")
    assert [(x.time_min, x.target, x.amount_mg) for x in r.records] == [
        (3.0, "nose", 14.0), (5.0, "nose", 14.0), (7.0, "nose", 14.0), (9.0, "nose", 14.0)]


def test_mg_per_kg():
    assert ks.mg_per_kg(0.5, 70.0) == 35.0
    assert ks.mg_per_kg(0.0, 70.0) == 0.0


def test_iv_route_dose_is_a_bolus():
    m = ks.Model(cl=1.2, v1=15.0)
    a = ks.simulate(m, ks.Regimen().dose("iv", 30.0, 2.0), [0.0, 2.0, 10.0])
    b = ks.simulate(m, ks.Regimen().bolus(30.0, 2.0), [0.0, 2.0, 10.0])
    assert list(a.cp_ng_ml) == list(b.cp_ng_ml)
    assert a.cp_ng_ml[1] == pytest.approx(2000.0)
