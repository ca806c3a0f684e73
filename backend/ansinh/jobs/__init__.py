"""Scheduled work: `ansinh jobs run-due` runs every due task once (cron or a systemd timer calls it)."""
