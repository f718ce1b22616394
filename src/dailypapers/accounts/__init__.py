"""User accounts: creating users, checking passwords."""
