"""``wellclear audit``: verify and export the hash-chained audit log."""
