"""What comes in and goes out: production predictions and end-user disputes, batch prediction, the inbox, label exports."""
