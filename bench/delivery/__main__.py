import sys

from bench.delivery.run import main

sys.exit(main())
