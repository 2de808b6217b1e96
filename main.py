"""Entry point: ``python main.py [command]``; with no command it synthesizes.

``cdktf synth`` runs this file through ``cdktf.json``, so the default command
must stay ``synth``.
"""

import sys

from modules.cli import main

if __name__ == "__main__":
    sys.exit(main())
