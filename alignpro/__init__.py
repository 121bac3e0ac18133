"""Command line and end-to-end pipeline of the align-pro toolkit.

The mathematics lives in :mod:`bounds`, :mod:`simulators` and :mod:`llm_eval`; this package only
parses arguments, composes those three packages and writes their results.
"""

__version__ = "0.1.0"
