"""The label store: the only code that speaks SQL.

Tables, the engine and migrations, the repository of queries, label snapshots.
"""
