"""Pure rules of the registry: no I/O, no database, unit-tested on their own."""
