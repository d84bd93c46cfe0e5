from sim.apps.cli import entry

entry()
