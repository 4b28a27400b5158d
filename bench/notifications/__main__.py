import sys

from bench.notifications.run import main

sys.exit(main())
