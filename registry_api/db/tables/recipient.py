from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Recipient(Table):
    """Anyone who receives personal data from the company: subprocessor, vendor, group entity, partner,
    authority. Public fields feed the subprocessor list; `internal_notes` never leaves the registry."""

    slug = Varchar(length=80, unique=True, index=True)
    name = Varchar(length=200)
    legal_name = Varchar(length=300, default="")
    address = Text(default="")
    contact_name = Varchar(length=200, default="")
    contact_email = Varchar(length=320, default="")
    website = Varchar(length=500, default="")
    service_description = Text(default="")
    internal_notes = Text(default="")
    kind = Varchar(length=40, index=True)
    role = Varchar(length=20)
    status = Varchar(length=20, index=True)
    public = Boolean(default=False)
    criticality = Varchar(length=10)
    certifications = JSON(default=[])
    purposes = JSON(default=[])
    dpa_signed_on = Date(null=True, default=None)
    parent = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
