"""Published variability of the catalogue (ks.models.info(key)["variability"]) and virtual
trials that use it (ks.simulate_population(..., variability="published")): the data against the
papers' printed values, the simulated spread against the published SDs and correlations, the
published statements about the share of subjects reaching a concentration, overrides, errors.

Comparisons with published spread, each with its tolerance (also listed in docs/models.md):
- Otto 2021: SD of log V1, log CL in the population = sqrt(omega^2) of the supplement, within 4
  standard errors; their correlation = 0.02261 / sqrt(0.084177 x 0.026048) = 0.483 +- 0.05.
- Perez-Ruixo 2021: SD of log Vc = sqrt(ln(1 + 0.275^2)) within 4 standard errors; FRn of
  each subject = expit(logit(0.54) + eta), eta's SD 0.708 within 4 standard errors.
- Perez-Ruixo 2021 residual error: SD of log(observed / Cp) = 0.276 within 4 standard errors.
- Herd 2007 (abstract): "almost all the children will still have a serum concentration above
  0.1 mg/L" 10 min after 1 mg/kg IV: at least 95 % of a population with the published
  variability and the study's weights; and the "half below 0.75 mg/L" statement is NOT
  reproduced (a documented gap): the median is 0.46 +- 0.03 mg/L, the project survey's
  independent Monte Carlo.
No paper here publishes percentiles of Cmax or AUC that could be read (Perez-Ruixo 2021 Table 4
gives typical values; the Spravato label's Cmax/AUC table could not be read): those comparisons
are not made.
"""

import math

import numpy as np
import pytest

import ketasim as ks

SPRAY = ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5)


def within_se(sample_sd, sd, n, k=4.0):
    """|sample SD - sd| within k standard errors of a normal sample's SD (sd / sqrt(2 (n-1)))."""
    return abs(sample_sd - sd) <= k * sd / math.sqrt(2 * (n - 1))


# -- the data ------------------------------------------------------------------------------

def test_perezruixo_table3_as_printed_and_kmet_left_out():
    v = ks.models.info("perezruixo2021")["variability"]
    printed = {"ka,n": 61.5, "ka,sw": 132, "ka,po": 132, "Vc": 27.5, "Vp1": 49.3, "Qh": 23.2,
               "Vh": 34.6, "kel": 120, "Vcn/F": 31.6, "CLn/F": 25.4}
    got = {p["published_name"]: p for p in v["parameters"]}
    for name, cv in printed.items():
        assert got[name]["published"] == cv
        assert got[name]["published_as"] == "%CV"
        assert got[name]["scale"] == "log-normal"
        assert got[name]["sd"] == pytest.approx(math.sqrt(math.log(1 + (cv / 100) ** 2)),
                                                rel=1e-12)
    frn = got["FRn"]
    assert frn["scale"] == "logit-normal" and frn["sd"] == 0.708 and frn["parameter"] is None
    assert "kmet" not in got and any("kmet" in m for m in v["omitted"])
    assert [r["kind"] for r in v["residuals"]] == ["exponential", "exponential"]
    assert [r["exponential"] for r in v["residuals"]] == [0.276, 0.422]


def test_every_model_says_what_it_publishes_or_why_not():
    for key in ks.models.list():
        v = ks.models.info(key)["variability"]
        assert v["parameters"] or v["omitted"], key
        for p in v["parameters"]:
            assert p["source"] and p["conversion"], (key, p)


# -- populations ---------------------------------------------------------------------------

def test_otto_population_reproduces_the_published_omega_block():
    n = 4000
    m = ks.models.get("otto2021", weight_kg=70)
    pop = ks.simulate_population(m, ks.Regimen().infusion(dose_mg=20, duration_min=30),
                                 times_min=[0.0, 60.0], n=n, seed=1, variability="published",
                                 keep_individual=False)
    lv1 = np.log(pop.parameters["v1"] / m.parameter("v1"))
    lcl = np.log(pop.parameters["cl"] / m.parameter("cl"))
    assert within_se(lv1.std(ddof=1), math.sqrt(0.084177), n)
    assert within_se(lcl.std(ddof=1), math.sqrt(0.026048), n)
    r = np.corrcoef(lv1, lcl)[0, 1]
    assert r == pytest.approx(0.02261 / math.sqrt(0.084177 * 0.026048), abs=0.05)
    # Parameters without published variability stay at their typical values.
    assert np.all(pop.parameters["q1"] == m.parameter("q1"))


def test_perezruixo_population_varies_vc_and_the_nasal_fraction():
    n = 2000
    m = ks.models.get("perezruixo2021")
    pop = ks.simulate_population(m, SPRAY, times_min=[0.0, 240.0], n=n, seed=1,
                                 variability="published", keep_individual=False)
    lvc = np.log(pop.parameters["vc"] / m.parameter("vc"))
    assert within_se(lvc.std(ddof=1), math.sqrt(math.log(1 + 0.275 ** 2)), n)
    assert np.all(pop.parameters["kmet"] == m.parameter("kmet"))  # blank in Table 3
    # FRn is not a named parameter: each subject's route is rebuilt. Check the rule on the
    # builder the population used, at known etas: expit(logit(0.54) + eta), later devices x0.62.
    from ketasim import published
    spec = published.resolve("perezruixo2021", None, "test")
    build = published.route_fraction_builder("perezruixo2021", {}, spec)
    for eta in (-1.0, 0.0, 0.7):
        d = build(eta_0=eta).to_dict()
        nasal = [p for r in d["routes"] if r["name"] == "intranasal" for p in r["paths"]
                 if p["name"] == "nasal"][0]
        frn = 1 / (1 + math.exp(-(math.log(0.54 / 0.46) + eta)))
        assert nasal["fraction_by_position"] == pytest.approx([frn, 0.62 * frn], rel=1e-12)
    etas = published.draw_route_etas(spec, n, 1)["intranasal.nasal.fraction"]
    assert within_se(etas.std(ddof=1), 0.708, n)
    # The spread of Cmax comes from both: with FRn's variability removed it narrows.
    narrow = ks.simulate_population(m, SPRAY, times_min=[0.0, 240.0], n=n, seed=1,
                                    variability="published", variability_override={"FRn": 0},
                                    keep_individual=False)
    assert np.log(narrow.cmax_ng_ml).std() < np.log(pop.cmax_ng_ml).std()


def test_published_exponential_residual_error():
    n = 400
    m = ks.models.get("perezruixo2021")
    pop = ks.simulate_population(m, SPRAY, times_min=np.arange(10.0, 250.0, 10.0), n=n, seed=2,
                                 variability="published", residual_error="published")
    ratio = np.log(pop.cp_observed_ng_ml / pop.cp_ng_ml).ravel()
    assert abs(ratio.mean()) < 4 * 0.276 / math.sqrt(ratio.size)
    assert within_se(ratio.std(ddof=1), 0.276, ratio.size)


def test_herd_share_above_0_1_mg_l_at_10_min():
    n = 4000
    m = ks.models.get("herd2007", weight_kg=32.5)
    # 1 mg/kg for each child, but the regimen is shared: the model is linear, so simulate 1 mg
    # and multiply each child's Cp by its weight (the same draws: same n and seed).
    pop = ks.simulate_population(m, ks.Regimen().bolus(dose_mg=1.0), times_min=[10.0], n=n,
                                 seed=7, variability="published", covariates="published")
    weights = published_weights(n, 7)
    c10_mg_l = pop.cp_ng_ml[:, 0] * weights / 1000.0
    assert np.mean(c10_mg_l > 0.1) >= 0.95  # "almost all the children" above 0.1 mg/L
    # Documented gap: the abstract's "half below 0.75 mg/L" is not reached; the median agrees
    # with the survey's independent Monte Carlo (0.46 mg/L, 98 % below 0.75).
    assert np.median(c10_mg_l) == pytest.approx(0.46, abs=0.03)
    assert np.mean(c10_mg_l < 0.75) > 0.95


def published_weights(n, seed):
    from ketasim import published
    spec = published.resolve("herd2007", None, "test")
    return published.draw_covariates(spec, n, seed, {}, "test")["weight_kg"]


def test_herd_published_weights_follow_the_abstract():
    w = published_weights(20000, 3)
    assert w.min() >= 10.8 and w.max() <= 74.8
    # A normal(32.5, 15.6) kept within [10.8, 74.8]: its mean by numerical integration.
    from scipy.stats import truncnorm
    a, b = (10.8 - 32.5) / 15.6, (74.8 - 32.5) / 15.6
    assert w.mean() == pytest.approx(truncnorm.mean(a, b, loc=32.5, scale=15.6), abs=0.3)


def test_perezruixo_published_covariates_shares():
    from ketasim import published
    spec = published.resolve("perezruixo2021", None, "test")
    c = published.draw_covariates(spec, 20000, 5, {}, "test")
    assert c["asian"].mean() == pytest.approx(112 / 820, abs=4 * math.sqrt(0.137 * 0.863 / 20000))
    assert np.all(c["japanese"] <= c["asian"])
    assert c["japanese"].mean() == pytest.approx(72 / 820, abs=0.01)
    assert "age_yr" not in c  # only a median and a range are published: not drawn


def test_override_by_name_and_removal():
    m = ks.models.get("otto2021", weight_kg=70)
    r = ks.Regimen().bolus(dose_mg=20)
    pop = ks.simulate_population(m, r, times_min=[0.0, 60.0], n=500, seed=1,
                                 variability="published",
                                 variability_override={"v1": 0, "CL (S-ketamine)": 0.5})
    assert np.all(pop.parameters["v1"] == m.parameter("v1"))
    lcl = np.log(pop.parameters["cl"] / m.parameter("cl"))
    assert within_se(lcl.std(ddof=1), 0.5, 500)


def test_published_variability_errors_name_the_field():
    t = [0.0, 60.0]
    r = ks.Regimen().bolus(dose_mg=20)
    with pytest.raises(ValueError, match=r"simulate_population: variability must be given as a "
                                         r"dict for kamp2020, which has no published"):
        ks.simulate_population(ks.models.get("kamp2020", weight_kg=70), r, times_min=t, n=5,
                               variability="published")
    with pytest.raises(ValueError, match=r"names no catalogue model"):
        ks.simulate_population(ks.Model(cl=1.0, v1=10.0), r, times_min=t, n=5,
                               variability="published")
    with pytest.raises(ValueError, match=r"variability must be 'published' or a dict, got 'pub'"):
        ks.simulate_population(ks.models.get("otto2021", weight_kg=70), r, times_min=t, n=5,
                               variability="pub")
    with pytest.raises(ValueError, match=r"variability_override must be given only with "
                                         r"variability='published'"):
        ks.simulate_population(ks.Model(cl=1.0, v1=10.0), r, times_min=t, n=5,
                               variability={"cl": 0.1}, variability_override={"cl": 0.2})
    with pytest.raises(ValueError, match=r"variability_override\['cl'\] must be a number >= 0"):
        ks.simulate_population(ks.models.get("otto2021", weight_kg=70), r, times_min=t, n=5,
                               variability="published", variability_override={"cl": -1})
    with pytest.raises(ValueError, match=r"residual_error must be a dict for herd2007, whose "
                                         r"source publishes no residual error"):
        ks.simulate_population(ks.models.get("herd2007", weight_kg=30), r, times_min=t, n=5,
                               variability="published", residual_error="published")
    with pytest.raises(ValueError, match=r"covariates must be per-subject values for otto2021"):
        ks.simulate_population(ks.models.get("otto2021", weight_kg=70), r, times_min=t, n=5,
                               variability="published", covariates="published")


def test_exponential_residual_is_given_alone():
    with pytest.raises(ValueError, match=r"simulate_population: residual exponential must be "
                                         r"given alone \(not with proportional or additive\), "
                                         r"got 0.2"):
        ks.simulate_population(ks.Model(cl=1.0, v1=10.0), ks.Regimen().bolus(dose_mg=1),
                               times_min=[0.0, 1.0], n=2,
                               residual_error={"exponential": 0.2, "proportional": 0.1})


def test_describe_lists_the_published_variability():
    text = ks.models.describe("perezruixo2021")
    assert "Between-subject variability as published" in text
    assert "left out: kmet" in text
    assert "exponential" in text


def test_a_table_of_real_covariates_with_published_variability():
    m = ks.models.get("otto2021", weight_kg=70)
    weights = np.array([50.0, 70.0, 95.0])
    pop = ks.simulate_population(m, ks.Regimen().bolus(dose_mg=20), times_min=[0.0, 60.0],
                                 variability="published", covariates={"weight_kg": weights},
                                 seed=4)
    # Each subject's V1 is its weight's typical value (133 L x weight/70) times exp(eta), eta
    # from the published SD: |eta| < 5 SD, and the three etas differ.
    eta = np.log(pop.parameters["v1"] / (133.0 * weights / 70.0))
    assert np.all(np.abs(eta) < 5 * math.sqrt(0.084177))
    assert len(set(np.round(eta, 12))) == 3


def test_japanese_nasal_fraction_stops_at_one():
    # FRn x 1.34 (Japanese) exceeds 1 for eta above logit(1/1.34) - logit(0.54): the nasal
    # fraction is then 1 - 1e-9 (a path's fraction must be positive), said in the docs.
    from ketasim import published
    spec = published.resolve("perezruixo2021", None, "test")
    build = published.route_fraction_builder("perezruixo2021", {}, spec)
    d = build(eta_0=3.0, asian=1.0, japanese=1.0).to_dict()
    paths = {p["name"]: p for r in d["routes"] if r["name"] == "intranasal" for p in r["paths"]}
    assert paths["nasal"]["fraction_by_position"][0] == 1.0 - 1e-9
    assert paths["swallowed"]["fraction_by_position"][0] == pytest.approx(1e-9, abs=1e-15)
    frn = 1 / (1 + math.exp(-(math.log(0.54 / 0.46) + 3.0)))
    assert paths["nasal"]["fraction_by_position"][1] == pytest.approx(frn * 1.34 * 0.62,
                                                                      rel=1e-12)
