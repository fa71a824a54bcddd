import sys

from lmac.cli import main

sys.exit(main())
