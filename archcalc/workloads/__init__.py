"""Workloads beyond one forward pass: decoding with a KV cache (decode.py) and training (training.py).

Both read the `Graph` and its `Report` and ask each layer's rule through its hooks; neither
knows a layer type by name.
"""
