"""The model: the rules of one month (kernel), the structures they read and write (state),
compiling a scenario into arrays (compile), shock forcing (forcing), corridor routing
(routing), interests (interests), running the rules (loops, simulate), and the Mesa view of one
run (agents: `AlignmentModel`, imported on first use because Mesa is slow to import).

    >>> from sim import scenario
    >>> from sim.model import AlignmentModel
    >>> m = AlignmentModel(scenario.load("scenarios/june_war_pivot.toml"), seed=20250613, run=0)
"""


def __getattr__(name):
    if name in ("AlignmentModel", "ActorAgent"):
        from sim.model import agents
        return getattr(agents, name)
    raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
