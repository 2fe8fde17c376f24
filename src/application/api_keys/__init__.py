"""API keys: admins make, list and revoke them; services authenticate with them."""
