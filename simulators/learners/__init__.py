"""Learners that see only samples: plug-in prompter, policy gradient, DPO, reward model, best-of-n.

Each learner returns a dataclass with the learned table, a learning-curve history and diagnostics
that compare it with the closed form of :mod:`bounds`.
"""
