"""The demo's provider network: clinics in Moscow, St Petersburg and Yaroslavl (the DMS desk's curators),
tow services on the RESO sites' roads, and assistance partners and clinics in the countries Balt Assistance's
customers travel to. Added if missing (by name, country and city), in the caller's transaction."""

from sqlalchemy import select

from helpline.adapters.db.models_case_types import Provider
from helpline.services import providers
from helpline.services.unit_of_work import UnitOfWork

# (kind, country, city, name, address, phones, services)
PROVIDERS: tuple[tuple[str, str, str, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("clinic", "RU", "Москва", "Клиника «Медси» на Красной Пресне", "Красногвардейский б-р, 15",
     ("+7 495 000-10-01",), ("outpatient", "diagnostics", "inpatient")),
    ("clinic", "RU", "Москва", "Европейский медицинский центр", "Спиридоньевский пер., 5",
     ("+7 495 000-10-02",), ("outpatient", "inpatient", "dental")),
    ("clinic", "RU", "Санкт-Петербург", "Клиника «Скандинавия»", "Литейный пр., 55А",
     ("+7 812 000-10-03",), ("outpatient", "diagnostics")),
    ("clinic", "RU", "Ярославль", "Медицинский центр «Ярмед»", "ул. Свободы, 52",
     ("+7 4852 00-10-04",), ("outpatient",)),
    ("tow", "RU", "Москва", "Эвакуатор 24 МКАД", "МКАД, 41 км",
     ("+7 495 000-20-01",), ("tow", "jump_start", "tyre", "fuel", "lockout")),
    ("tow", "RU", "Санкт-Петербург", "Техпомощь Нева", "пр. Обуховской Обороны, 120",
     ("+7 812 000-20-02",), ("tow", "jump_start", "tyre")),
    ("clinic", "TR", "Antalya", "Antalya Private Hospital", "Kepez, Dumlupınar Blv. 1",
     ("+90 242 000 30 01",), ("outpatient", "inpatient")),
    ("assistance", "TR", "Istanbul", "Istanbul Medical Assist", "Şişli, Büyükdere Cd. 100",
     ("+90 212 000 30 02",), ("evacuation", "repatriation", "guarantee")),
    ("clinic", "AE", "Dubai", "Dubai Healthcare Clinic", "Al Razi Building 64",
     ("+971 4 000 3003",), ("outpatient", "inpatient")),
    ("clinic", "TH", "Phuket", "Phuket International Hospital", "44 Chalermprakiat Rd",
     ("+66 76 000 304",), ("outpatient", "inpatient", "dental")),
    ("clinic", "EG", "Hurghada", "Hurghada Red Sea Hospital", "Sheraton Rd",
     ("+20 65 000 3005",), ("outpatient", "inpatient")),
    ("assistance", "DE", "Berlin", "Berlin Assistance Partner", "Friedrichstraße 90",
     ("+49 30 000 3006",), ("repatriation", "guarantee")),
)


def ensure_providers(uow: UnitOfWork) -> int:
    """Add the providers that are missing (not committed: the caller's transaction); returns how many."""
    known = set(uow.session.execute(select(Provider.name, Provider.country, Provider.city)))
    now = uow.now()
    added = 0
    for kind, country, city, name, address, phones, services in PROVIDERS:
        if (name, country, city) in known:
            continue
        provider = Provider(kind=kind, country=country, city=city, name=name, address=address, phones=list(phones),
                            services=list(services), active=True, created_at=now, updated_at=now)
        providers.index_keys(provider)
        uow.session.add(provider)
        added += 1
    return added
