"""Parsers that turn user files into domain types, refusing bad input with every problem at once.

- :func:`load_intents`: ASTM F3548-21 intents JSON or GeoJSON, told apart by content.
- :func:`load_policy`, :func:`default_policy`: separation policy in TOML.

Each raises :class:`~wellclear.errors.InvalidInput` whose ``problems`` name the
file, the JSON (or TOML) path of each offending value and the reason.
"""

from wellclear.ingest._extent import Limits
from wellclear.ingest._fields import read_json
from wellclear.ingest.geojson import parse_geojson
from wellclear.ingest.intents import load_intents, parse_intents_document, parse_intents_json
from wellclear.ingest.policy import default_policy, load_policy, parse_policy

__all__ = [
    "Limits",
    "default_policy",
    "load_intents",
    "load_policy",
    "parse_geojson",
    "parse_intents_document",
    "parse_intents_json",
    "parse_policy",
    "read_json",
]
