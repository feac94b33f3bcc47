"""Expert review.

The queue and its policy, labels and answers, the team's adjudication of conflicts, suspect labels.
"""
