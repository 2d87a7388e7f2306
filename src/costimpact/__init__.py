"""costimpact: what US trade and export policy does to a seller's costs, order by order.

The Python API (see README): :func:`price_orders`, :func:`compare`, :func:`timeline`, :func:`load_assumptions`.
"""

from costimpact.api import compare, price_orders
from costimpact.assumptions import load_assumptions

__version__ = "0.1.0"

__all__ = ["__version__", "compare", "load_assumptions", "price_orders"]
