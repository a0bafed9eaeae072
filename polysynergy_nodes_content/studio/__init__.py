"""The content studio: a server-rendered web page over the engine's public API and its
descriptors (``polysynergy-content serve``, the ``web`` extra)."""
