"""Individual MAP estimates (ks.fit_individual): recovery of known individuals within their
standard errors, typical values without data, which parameters one observation moves, the
objective and its optimum against an independent SciPy implementation, and every bad input."""

import math

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import minimize

import ketasim as ks

# Otto 2021 (Fanta 2015 S-ketamine), 70 kg: typical values (L, L/min) and the published prior
# on (V1, CL), typed here from the paper's values (Table 3 / supplement via nlmixr2lib), not
# read from ketasim.
V1, CL = 133.0, 95.2 / 60.0
VP1, Q1, VP2, Q2 = 187.0, 23.2 / 60.0, 98.8, 157.0 / 60.0
OMEGA = np.array([[0.084177, 0.02261], [0.02261, 0.026048]])
PROP = math.sqrt(0.055736)
DOSE = 20.0


def scipy_cp(v1, cl, times):
    """Cp (ng/mL) after a DOSE mg IV bolus at 0, 3-compartment, by scipy.linalg.expm."""
    k10, k12, k21, k13, k31 = cl / v1, Q1 / v1, Q1 / VP1, Q2 / v1, Q2 / VP2
    K = np.array([[-(k10 + k12 + k13), k21, k31], [k12, -k21, 0.0], [k13, 0.0, -k31]])
    return np.array([(expm(K * t) @ np.array([DOSE, 0.0, 0.0]))[0] / v1 * 1000.0
                     for t in times])


def scipy_objective(eta, t, y):
    """-2 log posterior (constants dropped), proportional residual, written independently."""
    f = scipy_cp(V1 * math.exp(eta[0]), CL * math.exp(eta[1]), t)
    s = PROP * f
    return float(np.sum(((y - f) / s) ** 2 + 2 * np.log(s)) + eta @ np.linalg.solve(OMEGA, eta))


def otto():
    return ks.models.get("otto2021", weight_kg=70)


BOLUS = ks.Regimen().bolus(dose_mg=DOSE)
ONLY_SKETAMINE = {"vn": 0, "cln": 0}  # S-norketamine etas do not touch Cp


def test_fit_matches_an_independent_scipy_objective_and_optimum():
    # Three cases; the optimum of the independent objective (Nelder-Mead, tight) agrees with
    # ketasim's to 1e-6 in eta, and the objective value at it to 1e-6 relative.
    cases = [([5.0, 60.0, 240.0], [40.0, 18.0, 6.0]),
             ([2.0, 30.0], [150.0, 30.0]),
             ([120.0, 480.0, 720.0], [9.0, 3.5, 1.0])]
    for t, y in cases:
        fit = ks.fit_individual(otto(), BOLUS, observations={"time_min": t, "cp_ng_ml": y},
                                variability="published", variability_override=ONLY_SKETAMINE,
                                n_draws=0)
        ref = minimize(scipy_objective, np.zeros(2), args=(np.array(t), np.array(y)),
                       method="Nelder-Mead",
                       options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000})
        assert fit.success
        assert fit.eta["v1"] == pytest.approx(ref.x[0], abs=1e-6)
        assert fit.eta["cl"] == pytest.approx(ref.x[1], abs=1e-6)
        assert fit.objective == pytest.approx(ref.fun, rel=1e-6)
        assert fit.parameters["v1"] == pytest.approx(V1 * math.exp(ref.x[0]), rel=1e-6)


def test_no_observations_gives_the_typical_values_and_the_prior():
    fit = ks.fit_individual(otto(), BOLUS, observations={"time_min": [], "cp_ng_ml": []})
    assert all(e == 0.0 for e in fit.eta.values())
    assert fit.parameters["v1"] == pytest.approx(V1, rel=1e-12)
    assert fit.parameters["cl"] == pytest.approx(CL, rel=1e-12)
    assert fit.eta_se["v1"] == pytest.approx(math.sqrt(0.084177), rel=1e-9)
    assert fit.eta_se["cl"] == pytest.approx(math.sqrt(0.026048), rel=1e-9)
    np.testing.assert_allclose(fit.cp_ng_ml, scipy_cp(V1, CL, fit.time_min), rtol=1e-8)


def test_one_observation_moves_the_right_parameters():
    typical = scipy_cp(V1, CL, [2.0, 600.0])
    # Early and twice the typical value: the central volume falls (much more than clearance),
    # S-norketamine parameters, which Cp does not see, stay at their typical values.
    early = ks.fit_individual(otto(), BOLUS, n_draws=0,
                              observations={"time_min": [2.0], "cp_ng_ml": [2 * typical[0]]})
    assert early.eta["v1"] < -0.1
    assert abs(early.eta["v1"]) > 2 * abs(early.eta["cl"])
    assert early.eta["vn"] == 0.0 and early.eta["cln"] == 0.0
    # Late and half the typical value: clearance rises. The prior correlation (0.48) pulls V1
    # the same way, but clearance moves further relative to its prior SD.
    late = ks.fit_individual(otto(), BOLUS, n_draws=0,
                             observations={"time_min": [600.0], "cp_ng_ml": [typical[1] / 2]})
    assert late.eta["cl"] > 0.05
    assert late.eta["cl"] / math.sqrt(0.026048) > late.eta["v1"] / math.sqrt(0.084177)
    # An observation reduces the uncertainty of what it informs.
    assert early.eta_se["v1"] < math.sqrt(0.084177)
    assert late.eta_se["cl"] < math.sqrt(0.026048)


def test_recovers_200_simulated_individuals_within_their_standard_errors():
    # 200 individuals drawn from the published prior; four samples each with the published
    # proportional error. Claim: the truth lies within 1.96 standard errors (the Laplace 95 %
    # interval) for at least 90 % of individuals, for V1 and for CL.
    rng = np.random.default_rng(2021)
    times = np.array([5.0, 30.0, 120.0, 480.0])
    chol = np.linalg.cholesky(OMEGA)
    inside = np.zeros(2)
    n = 200
    for _ in range(n):
        eta = chol @ rng.standard_normal(2)
        f = scipy_cp(V1 * math.exp(eta[0]), CL * math.exp(eta[1]), times)
        y = f * (1.0 + PROP * rng.standard_normal(len(times)))
        y = np.maximum(y, 1e-3)  # a proportional error can go below 0; keep it a measurement
        fit = ks.fit_individual(otto(), BOLUS, observations={"time_min": times, "cp_ng_ml": y},
                                variability_override=ONLY_SKETAMINE, n_draws=0)
        for j, name in enumerate(("v1", "cl")):
            inside[j] += abs(fit.eta[name] - eta[j]) <= 1.96 * fit.eta_se[name]
    assert inside[0] / n >= 0.90
    assert inside[1] / n >= 0.90


def test_band_brackets_the_prediction_and_narrows_with_data():
    t = [5.0, 60.0, 240.0]
    y = list(scipy_cp(V1, CL, t))
    fit = ks.fit_individual(otto(), BOLUS, observations={"time_min": t, "cp_ng_ml": y},
                            times_min=np.arange(1.0, 481.0), seed=3)
    assert np.all(fit.cp_lower_ng_ml <= fit.cp_ng_ml + 1e-9)
    assert np.all(fit.cp_ng_ml <= fit.cp_upper_ng_ml + 1e-9)
    prior = ks.fit_individual(otto(), BOLUS, observations={"time_min": [], "cp_ng_ml": []},
                              times_min=np.arange(1.0, 481.0), seed=3)
    width = fit.cp_upper_ng_ml - fit.cp_lower_ng_ml
    assert np.all(width < prior.cp_upper_ng_ml - prior.cp_lower_ng_ml)


def test_perezruixo_fit_varies_the_nasal_fraction_on_the_logit_scale():
    m = ks.models.get("perezruixo2021")
    spray = ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5)
    fit = ks.fit_individual(m, spray, n_draws=0,
                            observations={"time_min": [30.0, 60.0], "cp_ng_ml": [110.0, 90.0]})
    frn = fit.parameters["intranasal.nasal.fraction"]
    eta = fit.eta["intranasal.nasal.fraction"]
    # The published FRn 0.54 moved on the logit scale (Table 3): expit(logit(0.54) + eta).
    assert frn == pytest.approx(1 / (1 + math.exp(-(math.log(0.54 / 0.46) + eta))), rel=1e-12)
    assert eta > 0  # higher concentrations than typical: more absorbed through the nose
    assert fit.residual["kind"] == "exponential" and fit.residual["exponential"] == 0.276


def test_values_below_the_lloq_are_censored_m3_or_rejected():
    t, y = [5.0, 60.0, 720.0], [40.0, 18.0, 0.5]
    m3 = ks.fit_individual(otto(), BOLUS, n_draws=0, lloq_ng_ml=1.0,
                           observations={"time_min": t, "cp_ng_ml": y})
    # M3 by hand: the censored sample contributes -2 ln Phi((LLOQ - f) / (prop f)).
    from scipy.stats import norm
    f = scipy_cp(m3.parameters["v1"], m3.parameters["cl"], t)
    s = PROP * f
    eta = np.array([m3.eta["v1"], m3.eta["cl"]])
    full = np.linalg.inv(np.array([[0.084177, 0.02261, 0, 0], [0.02261, 0.026048, 0, 0],
                                   [0, 0, 0.040426, 0.04456], [0, 0, 0.04456, 0.10319]]))
    e4 = np.array([eta[0], eta[1], m3.eta["vn"], m3.eta["cln"]])
    expected = (np.sum(((np.array(y[:2]) - f[:2]) / s[:2]) ** 2 + 2 * np.log(s[:2]))
                - 2 * norm.logcdf((1.0 - f[2]) / s[2]) + e4 @ full @ e4)
    assert m3.objective == pytest.approx(expected, rel=1e-9)
    with pytest.raises(ValueError, match=r"cp_ng_ml\[2\] must be >= lloq_ng_ml \(1\) with "
                                         r"blq='reject', got 0.5"):
        ks.fit_individual(otto(), BOLUS, lloq_ng_ml=1.0, blq="reject",
                          observations={"time_min": t, "cp_ng_ml": y})


@pytest.mark.parametrize("obs, message", [
    ({"time_min": [0.0, 10.0], "cp_ng_ml": [1.0, 2.0]},
     r"time_min\[0\] must be after the first dose \(0 min\), got 0 min"),
    ({"time_min": [10.0], "cp_ng_ml": [-1.0]},
     r"cp_ng_ml\[0\] must be a finite concentration >= 0 ng/mL, got -1"),
    ({"time_min": [10.0], "cp_ng_ml": [float("nan")]},
     r"cp_ng_ml\[0\] must be a finite concentration >= 0 ng/mL, got nan"),
    ({"time_min": [10.0, 5.0], "cp_ng_ml": [1.0, 2.0]}, r"time_min must be sorted"),
    ({"time_min": [10.0], "cp_ng_ml": [1.0, 2.0]},
     r"cp_ng_ml must have one value per time \(1\), got 2"),
    ({"time_min": [10.0]}, r"\['cp_ng_ml'\] must be given, got none"),
])
def test_bad_observations_name_the_field(obs, message):
    with pytest.raises(ValueError, match="fit_individual: observations ?" + message):
        ks.fit_individual(otto(), BOLUS, observations=obs)


def test_observations_before_a_later_first_dose_are_refused():
    late = ks.Regimen().bolus(dose_mg=20, time_min=60.0)
    with pytest.raises(ValueError, match=r"must be after the first dose \(60 min\), got 30 min"):
        ks.fit_individual(otto(), late, observations={"time_min": [30.0], "cp_ng_ml": [5.0]})


def test_a_model_without_published_variability_needs_one():
    kamp = ks.models.get("kamp2020", weight_kg=70)
    with pytest.raises(ValueError, match=r"fit_individual: variability must be given as a dict "
                                         r"for kamp2020, which has no published between-subject "
                                         r"variability"):
        ks.fit_individual(kamp, BOLUS, observations={"time_min": [10.0], "cp_ng_ml": [5.0]})
    # Given a prior but no residual error (Kamp's is not traced): the residual is asked for.
    with pytest.raises(ValueError, match=r"residual_error must be given"):
        ks.fit_individual(kamp, BOLUS, variability={"cl": 0.3},
                          observations={"time_min": [10.0], "cp_ng_ml": [5.0]})
    # A hand-made model names no catalogue entry.
    with pytest.raises(ValueError, match=r"names no catalogue model"):
        ks.fit_individual(ks.Model(cl=1.0, v1=10.0), BOLUS,
                          observations={"time_min": [10.0], "cp_ng_ml": [5.0]})
    fit = ks.fit_individual(kamp, BOLUS, variability={"cl": 0.3},
                            residual_error={"proportional": 0.2},
                            observations={"time_min": [10.0], "cp_ng_ml": [5.0]}, n_draws=0)
    assert fit.success and set(fit.eta) == {"cl"}


def test_zero_with_an_exponential_error_needs_an_lloq():
    m = ks.models.get("perezruixo2021")
    spray = ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5)
    with pytest.raises(ValueError, match=r"cp_ng_ml\[0\] must be > 0 ng/mL with an exponential "
                                         r"residual error \(give lloq_ng_ml"):
        ks.fit_individual(m, spray, observations={"time_min": [30.0], "cp_ng_ml": [0.0]})


def test_bad_arguments_name_the_argument():
    obs = {"time_min": [10.0], "cp_ng_ml": [5.0]}
    with pytest.raises(ValueError, match=r"blq must be 'm3' or 'reject', got 'drop'"):
        ks.fit_individual(otto(), BOLUS, observations=obs, blq="drop")
    with pytest.raises(ValueError, match=r"lloq_ng_ml must be a number > 0 ng/mL, got -1"):
        ks.fit_individual(otto(), BOLUS, observations=obs, lloq_ng_ml=-1)
    with pytest.raises(ValueError, match=r"variability must be 'published' or a dict, got 'x'"):
        ks.fit_individual(otto(), BOLUS, observations=obs, variability="x")
    with pytest.raises(ValueError, match=r"residual_error\['proportional'\] must be a number "
                                         r">= 0, got -0.1"):
        ks.fit_individual(otto(), BOLUS, observations=obs, residual_error={"proportional": -0.1})
    with pytest.raises(TypeError, match=r"model must be a ketasim.Model, got str"):
        ks.fit_individual("otto2021", BOLUS, observations=obs)
