"""``python -m sensory`` runs the command line."""

from .cli import main

main()
