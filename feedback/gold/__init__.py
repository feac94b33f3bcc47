"""Gold labels: what the experts' label events say about each item (its current gold label, the conflicts a lead
settles, agreement between experts). Training, evaluation and monitoring all read the truth from here."""
