import logging
import traceback

logger = logging.getLogger(__name__)


class NodeError:
    @staticmethod
    def format(error: Exception, include_traceback: bool = False) -> dict:
        """The dict a node puts on ``false_path``: ``{"error": str(error)}``."""
        formatted = {"error": str(error)}
        if include_traceback:
            formatted["details"] = traceback.format_exc()
        logger.error(str(error))
        return formatted
