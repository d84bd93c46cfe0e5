"""Shared pieces of the compiled rules: the compile options, the parameter rows by name, and the
support kinds' coverage. Every rule module (kernel, trade, interests, decisions) imports these.

Every compiled function works on whole run-last arrays (matrices [i, j, r], vectors [i, r]) for
runs r0..r1-1, with the runs loop innermost, so it vectorizes across runs; runs never interact.
"""

import llvmlite.binding as llvm
import numpy as np
from numba import njit

from sim.scenario.parameters import PARAMETERS

JIT = dict(cache=True, nogil=True, error_model="numpy")   # IEEE division: no Python zero-division branch in the loops

# LLVM vectorizes a loop whose arrays might overlap only behind run-time overlap checks, and by
# default gives up past 8 of them. A loop over runs that reads some twenty arrays and writes four
# (decisions._choose_kinds) needs more, and stayed scalar; with these limits it vectorizes
# (support decisions 0.81 -> 0.52 us per run-step, the flagship's kernel 5-7% faster: see
# benchmarks/README.md). The checks are a few compares per call over a block of runs. A process-wide
# LLVM setting: it applies to what numba compiles after sim.model is imported.
llvm.set_option("", "-runtime-memory-check-threshold=512")
llvm.set_option("", "-vectorize-memory-check-threshold=2048")

U = np.uint64   # run indices as uint64: numba then drops the negative-index check and the loop vectorizes

# Rows of the run-last parameter array Static.w, by name (PARAMETERS order).
W = {name: row for row, name in enumerate(PARAMETERS)}
INERTIA, NOISE, W_INTEREST, W_SHARED = W["inertia"], W["noise"], W["w_interest"], W["w_shared_threat"]
W_HOSTILITY, W_BALANCE, W_ECONOMIC, W_TRUST = W["w_hostility"], W["w_balance"], W["w_economic"], W["w_trust"]
W_SANCTIONS, RECIPROCITY, DIPLOMACY = W["w_sanctions"], W["reciprocity"], W["diplomacy"]
THREAT_MEMORY, EXPECT_LEARN, EXPECT_RELAX = W["threat_memory"], W["expectation_learning"], W["expectation_relax"]
DAMAGE, ARMS_GAIN, ARMS_ALARM = W["conflict_damage"], W["arms_gain"], W["arms_alarm"]
REACH, EVASION, ADAPTATION = W["secondary_reach"], W["evasion"], W["adaptation"]
SANCTION_SENSITIVITY, SANCTION_HOSTILITY = W["sanction_sensitivity"], W["sanction_hostility"]
SANCTION_THREAT, SANCTION_JOIN, SANCTION_TRADE_RESTRAINT = (W["sanction_threat"], W["sanction_join"],
                                                            W["sanction_trade_restraint"])
TEMPERATURE, SWITCHING_COST = W["decision_temperature"], W["switching_cost"]
GAIN_FRIEND, GAIN_STAKE, GAIN_SECURITY = W["support_friendship"], W["support_stake"], W["support_security"]
GAIN_TRADE, GAIN_COMMITMENT = W["support_trade"], W["support_commitment"]
COST_DIPLOMATIC, COST_ECONOMIC, COST_ARMS, COST_MILITARY = (W["cost_diplomatic"], W["cost_economic"],
                                                              W["cost_arms"], W["cost_military"])
ENTRAPMENT, SECONDARY_COST = W["entrapment"], W["secondary_cost"]
CONCESSION, DRIFT, POSITION_STEP = W["concession"], W["position_drift"], W["position_step"]
SUMMIT, CLOSURE_COERCION, CLOSURE_ALARM = W["summit"], W["closure_coercion"], W["closure_alarm"]
STRIKE_GAIN, REOPENING = W["strike_gain"], W["reopening"]

# Share of a partner's need each support kind covers when given in full (diplomatic, economic,
# arms, military), before the giver's reliability: the mix of the support a state can give,
# from words to troops (docs/MODEL.md, P1).
COVER = (0.2, 0.3, 0.3, 0.5)


@njit(**JIT)
def clip(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


@njit(**JIT)
def zero_diagonal(out, r0, r1):
    """out[i, i, r] = 0 for runs r0..r1-1."""
    for i in range(out.shape[0]):
        for r in range(U(r0), U(r1)):
            out[i, i, r] = 0.0


@njit(**JIT)
def nonzero(x, r0, r1):
    """flags[i, j]: whether x[i, j, r] != 0 for some run r0..r1-1. A sum over third parties may skip
    the terms whose factor is zero in every run of a block: adding an exact zero changes no run's
    bits, so the result is the same whichever runs share the block."""
    n0, n1 = x.shape[0], x.shape[1]
    flags = np.empty((n0, n1), np.bool_)
    for i in range(n0):
        for j in range(n1):
            c = 0   # an integer count: LLVM vectorizes an integer reduction, not a float one (order)
            for r in range(U(r0), U(r1)):
                c += x[i, j, r] != 0.0
            flags[i, j] = c > 0
    return flags


@njit(**JIT)
def positive(x, r0, r1, sign):
    """flags[i, j]: whether sign * x[i, j, r] > 0 for some run r0..r1-1. A sum of max(sign * x, 0)
    times anything finite may skip the (i, j) whose flag is off: each of their terms is an exact
    zero in every run of the block (as `nonzero`)."""
    n0, n1 = x.shape[0], x.shape[1]
    flags = np.empty((n0, n1), np.bool_)
    for i in range(n0):
        for j in range(n1):
            c = 0   # an integer count vectorizes
            for r in range(U(r0), U(r1)):
                c += sign * x[i, j, r] > 0.0
            flags[i, j] = c > 0
    return flags
