"""Alerts on the monitored figures: the rules, the policy, the checks that raise them, their triage and the webhook."""
