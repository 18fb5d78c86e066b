"""Layer rules, one module per family; importing this package registers them all."""

from . import activation, attention, conv, dense, embedding, merge, norm, pooling, recurrent, reshape  # noqa: F401
from .registry import ALIASES, RULES, Call, Params, Rule, all_type_names, find_rule

__all__ = ["ALIASES", "RULES", "Call", "Params", "Rule", "all_type_names", "find_rule"]
