"""Pure account rules: no I/O, no framework imports."""
