"""``python -m fedprune`` runs the command line."""

from fedprune.cli import main

main()
