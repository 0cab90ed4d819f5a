import sys

from mythos_game.adapters.world_files.cli import main

raise SystemExit(main(sys.argv))
