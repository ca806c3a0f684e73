"""Chip-ID: prove a citizen holds their chip citizen-ID card (ICAO 9303 passive and active authentication)."""
