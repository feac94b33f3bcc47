"""A/B and shadow experiments on live traffic: runs, routing, statistics, the evidence and the recommendation."""
