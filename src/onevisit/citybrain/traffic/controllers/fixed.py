"""Fixed-time: replay the network's own signal plan (its green phases with their durations).

This is the baseline every published table starts from; running it through the same interface and
yellow handling as the adaptive controllers keeps the comparison fair.
"""

from __future__ import annotations

import numpy as np

from onevisit.citybrain.traffic.interface import Ints, Layout, Observation, require_layout


class FixedTime:
    """Cycle through the green phases, each for its programmed duration."""

    name = "fixed"
    #: keep the plan's own yellow/clearance times rather than the run's common yellow
    replays_program = True

    def __init__(self) -> None:
        self._layout: Layout | None = None

    def reset(self, layout: Layout) -> None:
        self._layout = layout

    def decide(self, obs: Observation) -> Ints:
        layout = require_layout(self._layout)
        idx = np.arange(layout.size)
        due = obs.phase_age >= layout.durations[idx, obs.phase]
        return np.where(due, (obs.phase + 1) % layout.n_phases, obs.phase)
