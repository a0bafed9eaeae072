"""Entry history: capture by the database (``sql/007_history.sql``), switched per section by
migration operations, read, restored, undone and pruned from here.

Submodules import what they need; this package file stays empty of imports so the
migration operations can be loaded by ``migration_ops`` without pulling in the readers.
"""
