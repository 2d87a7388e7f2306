"""The US rules, one module per step: hts, value, entry, layers, postal, fees (the flow is in ``landed/engine.py``)."""
