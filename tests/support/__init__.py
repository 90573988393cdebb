"""Helpers shared by integration and e2e tests: free ports, waiting on conditions, child processes."""
