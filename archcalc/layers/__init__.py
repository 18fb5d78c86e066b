"""Layer rules, one module per family; importing this package registers them all."""

from . import (  # noqa: F401  (each module registers its rules)
    activation, attention, conv, conv_transpose, dense, embedding, latent, local, merge, norm, pointwise, pooling,
    products, recurrent, reduce, reshape, scale, shaping, tokens)
from .registry import ALIASES, RULES, Call, Params, Rule, all_type_names, find_rule

__all__ = ["ALIASES", "RULES", "Call", "Params", "Rule", "all_type_names", "find_rule"]
