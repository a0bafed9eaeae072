"""Characters that make shown text differ from what it is, for every front end.

The CLI escapes them (``cli/shown``); the studio marks the bidi controls visibly in its
review and history. Both read the sets from here, so neither front end imports the other.
"""

#: Bidi controls: embeddings and overrides, isolates, marks (LRM, RLM, ALM).
BIDI_CONTROLS = frozenset([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C])
#: C0 controls, DEL, C1 controls and the bidi controls.
UNSAFE = frozenset([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *BIDI_CONTROLS])
