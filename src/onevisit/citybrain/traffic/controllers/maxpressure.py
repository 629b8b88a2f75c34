"""Max-pressure (Varaiya 2013) as usually benchmarked: every ``interval`` seconds, give green to
the phase whose served movements have the largest upstream-minus-downstream halted queue.

Queues are read over a fixed distance upstream (see :mod:`..sensing`), which avoids starving
approaches made of very short lanes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onevisit.citybrain.traffic.controllers.pressure import phase_scores
from onevisit.citybrain.traffic.interface import Ints, Layout, Observation, require_layout


@dataclass
class MaxPressure:
    """Decide every ``interval`` seconds of green; ties keep the current phase."""

    interval: float = 10.0
    name: str = "max-pressure"

    def __post_init__(self) -> None:
        self._layout: Layout | None = None

    def reset(self, layout: Layout) -> None:
        self._layout = layout

    def decide(self, obs: Observation) -> Ints:
        layout = require_layout(self._layout)
        scores = phase_scores(layout, obs.in_queue, obs.out_queue)
        idx = np.arange(layout.size)
        best = np.argmax(scores, axis=1)
        best = np.where(scores[idx, best] > scores[idx, obs.phase], best, obs.phase)
        due = (obs.phase_age >= self.interval) & (np.mod(obs.phase_age, self.interval) < 1.0)
        return np.where(due, best, obs.phase)
