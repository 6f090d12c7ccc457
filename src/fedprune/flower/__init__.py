"""fedprune on Flower (``fedprune[flower]``): the ClientApp and ServerApp of a deployed
federation, the records their messages carry, and the pieces of a local deployment.

The ``flower`` engine itself is ``fedprune.engine.flower``; these modules import ``flwr``.
"""
