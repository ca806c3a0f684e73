"""Passbooks (sổ BHXH): the printable contribution statement with a signed QR anyone can verify."""
