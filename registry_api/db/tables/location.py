from piccolo.columns import Date, ForeignKey, Integer, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry_api.db.tables.recipient import Recipient


class Location(Table):
    """One place and one use of a recipient's processing, with its Chapter V safeguard outside the EEA."""

    recipient = ForeignKey(references=Recipient, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    country = Varchar(length=2, index=True)
    city = Varchar(length=120, default="")
    use = Varchar(length=20)
    mechanism = Varchar(length=30, null=True, default=None)
    scc_module = Integer(null=True, default=None)
    scc_signed_on = Date(null=True, default=None)
    tia_on = Date(null=True, default=None)
    supplementary_measures = Text(default="")
