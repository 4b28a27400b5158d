import sys

from bench.twohosts.run import main

sys.exit(main())
