import sys

from bench.submit.run import main

sys.exit(main())
