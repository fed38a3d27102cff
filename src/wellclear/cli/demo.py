"""``wellclear demo``: the service, demo parties, the Aleppo scenario and live tracks."""
