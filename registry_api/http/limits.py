"""Bounds of numbers accepted at the edge: ids, versions and offsets fit a 32-bit database integer, so
that a huge number is a 400 here rather than an overflow in the database."""

MAX_INT = 2_147_483_647
