"""``python -m ssagrad``: see ssagrad/cli.py."""
import sys

from .cli import main

sys.exit(main())
