import sys

from bench.engage.run import main

sys.exit(main())
