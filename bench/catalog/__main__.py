import sys

from bench.catalog.run import main

sys.exit(main())
