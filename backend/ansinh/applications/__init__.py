"""Public-service applications (dịch vụ công): card reissue, facility change, corrections, voluntary SI."""
