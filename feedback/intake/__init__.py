"""What comes in and goes out.

Production predictions and end-user disputes, batch prediction, the inbox, label exports.
"""
