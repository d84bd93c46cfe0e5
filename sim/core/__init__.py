"""Core: what every layer may use. Errors (errors), counter-based random numbers (rng),
libm-free vectorizable maths (vecmath), interval estimates (stats), and the conventions for
actor pairs and coalition structures (pairs). Imports nothing else from sim."""
