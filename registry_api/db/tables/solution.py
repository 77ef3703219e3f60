from piccolo.columns import ForeignKey, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry_api.db.tables.recipient import Recipient


class Solution(Table):
    """One of the company's products; the hosting sheet and the public list are given per solution."""

    slug = Varchar(length=80, unique=True, index=True)
    name = Varchar(length=200)
    description = Text(default="")


class SolutionRecipient(Table):
    """Which recipients serve which solution (unique per pair, see migrations)."""

    solution = ForeignKey(references=Solution, on_delete=OnDelete.cascade, index=True)
    recipient = ForeignKey(references=Recipient, on_delete=OnDelete.cascade, index=True)
