"""The strategic engine (pure): every conflict between 4D intents under a separation policy.

Two entry points over one exact phase:

- :func:`find_conflicts` for a batch of intents (grid broad phase, vectorised exact phase);
- :func:`conflicts_with` for one intent against candidates (the service's exact phase);
- :class:`IntentIndex` kept across writes (``add``, ``remove``, ``conflicts_of``).
"""

from wellclear.strategic.detect import conflicts_with, find_conflicts
from wellclear.strategic.index import IntentIndex

__all__ = ["IntentIndex", "conflicts_with", "find_conflicts"]
