"""Shared logic of the content nodes: input coercion, engine calls off the event loop,
and the success/failure protocol of a node.

This package holds no node classes. PolySynergy imports every ``<package>/<folder>/*.py``
module while discovering nodes, so each module here imports cleanly and defines no
class marked ``_is_node``.
"""
