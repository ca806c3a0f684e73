"""The national gateway's calls for hospital software (session, card check, check-in and QĐ 130/4750 claims)."""
