"""The ``polysynergy-content`` command-line tool (click + rich) over the ContentEngine."""
