import sys

from musictool.cli import main

sys.exit(main())
