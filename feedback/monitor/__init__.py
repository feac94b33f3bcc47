"""The live model over time: windows of quality, disputes, confidence and drift, and the store's status."""
