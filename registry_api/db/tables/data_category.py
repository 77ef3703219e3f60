from piccolo.columns import Boolean, Varchar
from piccolo.table import Table


class DataCategory(Table):
    """Reference data (CNIL register categories), synced from the package on every `migrate`."""

    code = Varchar(length=40, primary_key=True)
    label_fr = Varchar(length=200)
    label_en = Varchar(length=200)
    sensitive = Boolean(default=False)
    basis = Varchar(length=60, default="")
