"""Importing this package registers every check, in the order findings are reported."""
