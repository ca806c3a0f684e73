"""Imports every domain's models so SQLModel.metadata (and Alembic) sees all tables."""

from ansinh.applications import models as applications_models
from ansinh.cards import models as cards_models
from ansinh.chipid import models as chipid_models
from ansinh.clinics import models as clinics_models
from ansinh.employers import models as employers_models
from ansinh.facilities import models as facilities_models
from ansinh.gateway import models as gateway_models
from ansinh.households import models as households_models
from ansinh.identity import models as identity_models
from ansinh.notifications import models as notifications_models
from ansinh.records import models as records_models

DOMAIN_MODELS = (
    identity_models,
    facilities_models,
    records_models,
    clinics_models,
    cards_models,
    households_models,
    applications_models,
    notifications_models,
    chipid_models,
    gateway_models,
    employers_models,
)
