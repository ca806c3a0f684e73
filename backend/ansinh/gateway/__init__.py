"""The national gateway's calls for hospital software (specs/vss-gateway.md), translated to the domains' services."""
