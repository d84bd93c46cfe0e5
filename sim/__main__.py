import sys

from sim.apps.cli import main

sys.exit(main())
