"""A task's models over time: the task itself, model versions, retraining and its triggers, the learning curve."""
