"""The label store and the review loop around a production classifier."""
