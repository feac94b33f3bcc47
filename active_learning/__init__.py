"""Active learning on scikit-learn estimators: uncertainty, training, comparison, the model registry."""
