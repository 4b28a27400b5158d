import sys

from bench.payments.run import main

sys.exit(main())
