"""msgspec Structs: the shapes that cross the edge (HTTP bodies, Slack modal results, CLI imports).

Services take and return these, so that every surface validates the same way and OpenAPI describes them.
"""
