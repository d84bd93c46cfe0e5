"""Calibration against history: the measurement model's data (`data`), what is estimated and its
priors (`priors`), runs reduced to yearly changes (`simulate`), the sampler (`smc`), the calibrate
command's work (`calibrate`, `folder`, `summary`) and the calibrated hindcast (`forecast`).

A layer beside experiments and figures: it imports the engine and below, and the figures of its
results are drawn by sim.figures.calibration from the files it writes (docs/VALIDATION.md, Calibration).
"""
