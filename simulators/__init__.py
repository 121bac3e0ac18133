"""Tabular simulations that test every bound of :mod:`bounds` on random instances.

- :mod:`simulators.families`: instance families, each driving one term of the gap bounds.
- :mod:`simulators.sampling`: seeded samplers of interactions and Bradley–Terry preferences.
- :mod:`simulators.learners`: learners that see only samples, compared with the closed forms.
- :mod:`simulators.experiments`: Monte Carlo estimates with confidence intervals and checks.
- :mod:`simulators.config`, :mod:`simulators.sweep`: resumable parameter sweeps from TOML files.
- :mod:`simulators.plotting`: paper-style figures of a sweep.
"""
