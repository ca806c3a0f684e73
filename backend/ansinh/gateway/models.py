"""Gateway accounts: the username and password a facility's hospital software signs in to the gateway with."""

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from ansinh.core.sql import created_at_field, fk_field, id_field


# A facility's gateway account (tài khoản cổng tiếp nhận), bound to one clinic client; the password is stored as a
# slow hash of its lower-case MD5 hex string (what hospital software sends), never the MD5 itself.
class GatewayAccount(SQLModel, table=True):
    __tablename__ = "gateway_account"
    __table_args__ = (UniqueConstraint("username"),)

    id: int | None = id_field()
    username: str = Field(sa_type=String(64), description="e.g. 01001_BV")
    password_hash: str = Field(sa_type=String(255))
    client_id: int = fk_field("clinic_client.id", ondelete="CASCADE")
    active: bool = True
    password_changed_at: datetime = created_at_field()
    created_at: datetime = created_at_field()
