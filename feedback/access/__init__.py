"""Who may act: experts' accounts and sign-in, the three roles, and the check every state-changing action makes."""
