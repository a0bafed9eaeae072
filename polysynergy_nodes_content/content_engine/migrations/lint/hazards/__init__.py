"""One lint rule per module; ``lint.RULES`` lists them in the order findings are shown."""
