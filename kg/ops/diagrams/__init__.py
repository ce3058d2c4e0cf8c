"""The parts of `kg diagram` (the entry points are in kg.ops.diagrams.draw).

* ``model``: nodes, edges, legend and timeline events; styles (Okabe-Ito); date helpers;
* ``pictures``: each picture built from the rows of its stored query ``queries/diagram-*.rq``;
* ``dot``: Graphviz DOT, the timeline layout, rendering to svg/png;
* ``mermaid``: Mermaid flowchart and timeline text.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
