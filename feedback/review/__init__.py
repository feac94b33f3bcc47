"""Expert review.

The queue and its policy, labels and answers, gold labels, agreement, the team's adjudication, suspect labels.
"""
