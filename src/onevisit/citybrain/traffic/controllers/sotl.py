"""Self-organising traffic lights (SOTL, Gershenson 2005; Cools et al. 2013), the actuated baseline.

Each red approach accumulates vehicle-seconds; once the count passes ``theta`` and the green has run
``min_green``, the signal moves to the next phase in its cycle, unless a short platoon (fewer than
``mu`` vehicles) is about to cross on green, which it lets through first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onevisit.citybrain.traffic.controllers.pressure import phase_sums
from onevisit.citybrain.traffic.interface import Ints, Layout, Observation, require_layout


@dataclass
class Sotl:
    """Cyclic actuated control with platoon protection."""

    min_green: float = 10.0
    theta: float = 300.0
    mu: float = 3.0
    name: str = "sotl"

    def __post_init__(self) -> None:
        self._layout: Layout | None = None
        self._kappa = np.zeros(0)

    def reset(self, layout: Layout) -> None:
        self._layout = layout
        self._kappa = np.zeros(layout.size)

    def decide(self, obs: Observation) -> Ints:
        layout = require_layout(self._layout)
        idx = np.arange(layout.size)
        present = obs.in_queue + obs.in_approach.sum(axis=1)
        near = obs.in_approach[:, 0]
        total = (present[layout.mov_in] * layout.mov_weight).sum(axis=1)
        waiting = total - phase_sums(layout, present)[idx, obs.phase]
        self._kappa = np.where(obs.in_transition, 0.0, self._kappa + waiting)
        closing = phase_sums(layout, near)[idx, obs.phase]
        protect = (closing > 0) & (closing < self.mu)
        switch = (obs.phase_age >= self.min_green) & (self._kappa >= self.theta) & ~protect
        switch &= ~obs.in_transition
        self._kappa = np.where(switch, 0.0, self._kappa)
        return np.where(switch, (obs.phase + 1) % layout.n_phases, obs.phase)
