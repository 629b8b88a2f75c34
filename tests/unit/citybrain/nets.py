"""A tiny hand-made SUMO network for tests that need exact, known topology."""

from __future__ import annotations

TINY_NET = """<net version="1.9">
  <edge id="in" from="a" to="j"><lane id="in_0" index="0" speed="13.9" length="100"/></edge>
  <edge id="up" from="u" to="a"><lane id="up_0" index="0" speed="13.9" length="150"/></edge>
  <edge id="side" from="s" to="j"><lane id="side_0" index="0" speed="13.9" length="100"/></edge>
  <edge id="out" from="j" to="b"><lane id="out_0" index="0" speed="13.9" length="100"/></edge>
  {tl}
  <connection from="up" to="in" fromLane="0" toLane="0"/>
  <connection from="in" to="out" fromLane="0" toLane="0" {a}/>
  <connection from="side" to="out" fromLane="0" toLane="0" {b}/>
</net>
"""

TL = """<tlLogic id="j" type="static" programID="0" offset="0">
    <phase duration="20" state="Gr"/><phase duration="4" state="yr"/>
    <phase duration="10" state="rG"/><phase duration="4" state="ry"/>
  </tlLogic>"""


def tiny_net_text(signals: bool = True) -> str:
    """A two-approach junction ``j``: lane ``in_0`` (fed by ``up_0``) and ``side_0`` -> ``out_0``."""
    if not signals:
        return TINY_NET.format(tl="", a="", b="")
    return TINY_NET.format(tl=TL, a='tl="j" linkIndex="0"', b='tl="j" linkIndex="1"')
