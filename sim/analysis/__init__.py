"""Analysis: pure functions on arrays (coalitions, structural balance, landscape theory, PRIM
scenario discovery, Sobol sensitivity, per-run reducers for the engine). Imports only sim.core."""
