"""A NONMEM-style dataset round trip: read, simulate, write, read the written file back.

ID 1: esketamine nasal spray 56 mg (two 28 mg devices 5 min apart, POSITION 1 and 2) twice
weekly (II = 3.5 days) for 8 sessions (ADDL 7). ID 2: 84 mg (three devices) weekly at steady
state: SS=1 on the first device (reset to its steady state), SS=2 on the next two (their steady
states added). Perez-Ruixo 2021's model, covariate age_yr from each ID's first row; ke0 from
Sleigh 2019's EEG value (illustrative; the paper fits none).
"""

from pathlib import Path

import numpy as np

import ketasim as ks

data = Path(__file__).resolve().parent.parent / "data" / "esketamine_doses.csv"
options = {"ke0_source": "sleigh2019"}
out = ks.simulate_dataset("perezruixo2021", data, cmt={1: "intranasal"}, model_options=options)
for i in range(len(out)):
    print(f"ID {out['ID'][i]:.0f}  TIME {out['TIME'][i]:>7.0f} min  EVID {out['EVID'][i]:.0f}  "
          f"Cp {out['cp_ng_ml'][i]:7.2f} ng/mL  Ce {out['ce_ng_ml'][i]:7.2f} ng/mL")

out.to_csv("simulated.csv")  # NONMEM-readable: '.' for missing, one row per input record
again = ks.simulate_dataset("perezruixo2021", "simulated.csv", cmt={1: "intranasal"},
                            model_options=options)
assert np.array_equal(again["cp_ng_ml"], out["cp_ng_ml"])
print("round trip: simulated.csv simulates to the same values")
