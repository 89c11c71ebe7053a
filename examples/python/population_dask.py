"""Spreading a large virtual population over a Dask cluster, with the same result as one machine.

Needs the optional extra: pip install 'ketasim[dask]' (dask and distributed from PyPI).
Here a LocalCluster of two in-process workers stands in for a real cluster. To use a real one,
start a scheduler and workers (``dask scheduler`` on one machine, ``dask worker tcp://HOST:8786``
on each of the others, every one with ketasim installed) and pass
``client=Client("tcp://HOST:8786")``: chunks of subjects (``chunk_size``) go to the workers, each
simulates its subjects [first, first + chunk) from their own random streams, and the chunks are
joined in order. Models, regimens and populations pickle, so they travel to the workers; a
covariate model builder must be a picklable function (a module-level def or a lambda, which Dask
pickles with cloudpickle). With keep_individual=False only summaries travel back.

The model and variability are illustrative (not a published model).
Run: python examples/python/population_dask.py
"""

import numpy as np

import ketasim as ks

try:
    from distributed import Client, LocalCluster
except ImportError:
    print("this example needs dask.distributed: pip install 'ketasim[dask]'")
    raise SystemExit(0)

model = ks.Model(cl=1.2, v1=15.0, q2=2.0, v2=40.0, q3=0.6, v3=150.0, ke0=0.2,
                 routes={"intranasal": ks.Absorption(ka=0.05, f=0.45)})
spray = ks.Regimen().nasal_spray(dose_mg=56, start_min=0, device_mg=28, interval_min=5)
t = np.arange(0.0, 181.0)
settings = dict(times_min=t, n=20_000, seed=42, thresholds_ng_ml=[100.0], threshold_series="ce",
                keep_individual=False,
                variability={"cl": 0.3, "v1": 0.3, "ke0": 0.4, "intranasal.ka": 0.5})

if __name__ == "__main__":
    local = ks.simulate_population(model, spray, **settings)  # all cores of this machine
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        spread = ks.simulate_population(model, spray, client=client, chunk_size=2500, **settings)

    same = (np.array_equal(local.summary().ce_ng_ml, spread.summary().ce_ng_ml)
            and np.array_equal(local.fraction_above(100.0, "ce"),
                               spread.fraction_above(100.0, "ce"))
            and np.array_equal(local.parameters["cl"], spread.parameters["cl"]))
    print(f"{spread.n} subjects in {-(-spread.n // 2500)} chunks on 2 workers; "
          f"identical to the single-machine run: {same}")
    reached = spread.fraction_above(100.0, "ce")
    print(f"Ce >= 100 ng/mL by 15 / 30 / 60 min: {100 * reached[15]:.1f} % / "
          f"{100 * reached[30]:.1f} % / {100 * reached[60]:.1f} %")
    if not same:
        raise SystemExit("the cluster run differs from the single-machine run")
