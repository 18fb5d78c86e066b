"""Pictures of a network: the layered drawing (layout.py, svg.py) and the HTML report (report.py)."""
