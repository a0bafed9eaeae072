class PathSettings:
    """Label and help of a node's true_path / false_path output (a plain class attribute)."""

    def __init__(self, label: str = "", info: str = "", default=False):
        self.label = label
        self.info = info
        self.default = default
