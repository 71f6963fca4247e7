"""The `kith` command line."""
