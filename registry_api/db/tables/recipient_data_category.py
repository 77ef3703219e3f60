from piccolo.columns import ForeignKey
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from registry_api.db.tables.data_category import DataCategory
from registry_api.db.tables.recipient import Recipient


class RecipientDataCategory(Table):
    """Which categories of personal data a recipient receives (unique per pair, see migrations)."""

    recipient = ForeignKey(references=Recipient, on_delete=OnDelete.cascade, index=True)
    category = ForeignKey(references=DataCategory, on_delete=OnDelete.restrict, index=True)
