"""The deterministic "world" both sandboxes are seeded from.

SAP and Salesforce must describe the *same* companies for initialization to have real
linking work to do, so both seeds draw from this one generator: the same ``seed`` and
``size`` always give the same companies, people and items, record for record.

Faker is slow per call, so it fills small pools once and a seeded ``random.Random``
combines them; a large world (100,000 partners) is generated in seconds.

>>> w = World(seed=1, size="small")
>>> len(w.partners), w.partners[0].card_code
(200, 'C000001')
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from faker import Faker

Size = Literal["small", "medium", "large"]

PARTNERS_BY_SIZE: dict[str, int] = {"small": 200, "medium": 5_000, "large": 100_000}
LEAD_SHARE = 0.15

CUSTOMER_GROUPS: dict[int, str] = {
    100: "Retail",
    101: "Wholesale",
    102: "Distributors",
    103: "Key Accounts",
    104: "Public Sector",
}
ITEM_GROUPS: dict[int, str] = {
    100: "Hardware",
    101: "Software",
    102: "Services",
    103: "Accessories",
    104: "Consumables",
}
PRICE_LISTS: dict[int, tuple[str, str]] = {
    1: ("Base Price USD", "USD"),
    2: ("Euro Prices", "EUR"),
    3: ("Canada Prices", "CAD"),
}
FX_FROM_USD: dict[str, float] = {"USD": 1.0, "EUR": 0.92, "CAD": 1.36}
SALES_PERSONS: dict[int, str] = {
    -1: "-No Sales Employee-",
    1: "Jane Carter",
    2: "Luis Moreno",
    3: "Akira Tanaka",
    4: "Fatima Okafor",
    5: "Marek Nowak",
}
SALES_STAGES: list[tuple[int, str, float]] = [
    (1, "Lead", 10.0),
    (2, "Meeting", 25.0),
    (3, "Quotation", 50.0),
    (4, "Negotiation", 75.0),
    (5, "Order", 90.0),
]
COUNTRIES: list[tuple[str, list[str], str]] = [
    ("US", ["CA", "NY", "TX", "WA", "IL", "FL"], "USD"),
    ("CA", ["ON", "QC", "BC", "AB"], "CAD"),
    ("DE", ["BY", "BE", "HH", "NW"], "EUR"),
    ("FR", ["", ""], "EUR"),
]


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    title: str
    position: str
    email: str
    phone: str
    mobile: str


@dataclass(frozen=True)
class Address:
    street: str
    street_no: str
    city: str
    zip_code: str
    state: str
    country: str


@dataclass(frozen=True)
class Partner:
    """An SAP business partner: a customer (``cCustomer``) or a lead (``cLid``)."""

    index: int
    card_code: str
    card_type: Literal["cCustomer", "cLid"]
    name: str
    group_code: int
    phone: str
    email: str
    website: str
    currency: str
    tax_id: str
    notes: str
    sales_person: int
    bill_to: Address
    ship_to: Address
    contacts: tuple[Person, ...]


@dataclass(frozen=True)
class Product:
    index: int
    item_code: str
    name: str
    group_code: int
    valid: bool
    prices: tuple[tuple[int, float, str], ...]
    """``(price list number, price, currency)`` for each price list."""


class World:
    """All the seed records for one ``(seed, size)``; lists are built on first use."""

    def __init__(self, seed: int = 42, size: Size = "small") -> None:
        if size not in PARTNERS_BY_SIZE:
            raise ValueError(f"size must be one of {sorted(PARTNERS_BY_SIZE)}, not {size!r}")
        self.seed = seed
        self.size = size
        self.partner_count = PARTNERS_BY_SIZE[size]
        self.item_count = max(1, self.partner_count // 5)
        self._pools = _Pools(seed)

    @cached_property
    def partners(self) -> list[Partner]:
        rng = random.Random(f"{self.seed}:partners")
        out: list[Partner] = []
        customer_no = lead_no = 0
        for i in range(self.partner_count):
            is_lead = rng.random() < LEAD_SHARE
            if is_lead:
                lead_no += 1
                code, ctype = f"L{lead_no:06d}", "cLid"
            else:
                customer_no += 1
                code, ctype = f"C{customer_no:06d}", "cCustomer"
            out.append(self._partner(rng, i, code, ctype))
        return out

    @property
    def customers(self) -> list[Partner]:
        return [p for p in self.partners if p.card_type == "cCustomer"]

    @property
    def leads(self) -> list[Partner]:
        return [p for p in self.partners if p.card_type == "cLid"]

    @cached_property
    def products(self) -> list[Product]:
        rng = random.Random(f"{self.seed}:items")
        pools = self._pools
        out: list[Product] = []
        for i in range(self.item_count):
            group = rng.choice(list(ITEM_GROUPS))
            adjective, noun = rng.choice(pools.adjectives), rng.choice(pools.nouns)
            name = f"{adjective} {noun} {rng.randint(10, 9999)}"
            base = round(rng.uniform(2, 2500), 2)
            prices = tuple(
                (num, round(base * FX_FROM_USD[cur], 2), cur)
                for num, (_, cur) in PRICE_LISTS.items()
            )
            out.append(
                Product(
                    index=i,
                    item_code=f"A{i + 1:05d}",
                    name=name[:100],
                    group_code=group,
                    valid=rng.random() > 0.05,
                    prices=prices,
                )
            )
        return out

    def _partner(
        self, rng: random.Random, i: int, code: str, ctype: str
    ) -> Partner:
        pools = self._pools
        country, states, currency = rng.choice(COUNTRIES)
        name = (
            f"{rng.choice(pools.last_names)} {rng.choice(pools.company_words)} "
            f"{rng.choice(pools.company_suffixes)}"
        )
        domain = "".join(ch for ch in name.split()[0].lower() if ch.isalnum()) or "example"
        domain = f"{domain}{i}.example.com"
        bill = self._address(rng, country, states)
        ship = bill if rng.random() < 0.6 else self._address(rng, country, states)
        contacts = tuple(self._person(rng, domain) for _ in range(rng.randint(1, 4)))
        return Partner(
            index=i,
            card_code=code,
            card_type=ctype,  # type: ignore[arg-type]
            name=name[:100],
            group_code=rng.choice(list(CUSTOMER_GROUPS)),
            phone=self._phone(rng),
            email=f"info@{domain}",
            website=f"https://www.{domain}",
            currency=currency,
            tax_id=f"{country}{rng.randint(10_000_000, 99_999_999)}",
            notes=rng.choice(pools.sentences),
            sales_person=rng.choice(list(SALES_PERSONS)),
            bill_to=bill,
            ship_to=ship,
            contacts=contacts,
        )

    def _address(self, rng: random.Random, country: str, states: list[str]) -> Address:
        pools = self._pools
        return Address(
            street=rng.choice(pools.streets),
            street_no=str(rng.randint(1, 999)),
            city=rng.choice(pools.cities),
            zip_code=f"{rng.randint(10000, 99999)}",
            state=rng.choice(states),
            country=country,
        )

    def _person(self, rng: random.Random, domain: str) -> Person:
        pools = self._pools
        first, last = rng.choice(pools.first_names), rng.choice(pools.last_names)
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        return Person(
            first_name=first,
            last_name=last,
            title=rng.choice(["Mr.", "Ms.", "Dr.", ""]),
            position=rng.choice(pools.jobs)[:90],
            email=f"{local}@{domain}",
            phone=self._phone(rng),
            mobile=self._phone(rng),
        )

    @staticmethod
    def _phone(rng: random.Random) -> str:
        return f"+1-{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"


class _Pools:
    """Word pools drawn once from Faker with a fixed seed."""

    def __init__(self, seed: int) -> None:
        fake = Faker("en_US")
        fake.seed_instance(seed)
        self.first_names = sorted({fake.first_name() for _ in range(600)})
        self.last_names = sorted({fake.last_name() for _ in range(900)})
        self.company_suffixes = ["Inc.", "LLC", "Ltd.", "GmbH", "Group", "Corp.", "& Co.", "S.A."]
        self.company_words = sorted({fake.word().capitalize() for _ in range(400)})
        self.streets = sorted({fake.street_name() for _ in range(500)})
        self.cities = sorted({fake.city() for _ in range(300)})
        self.jobs = sorted({fake.job() for _ in range(200)})
        self.sentences = [fake.sentence(nb_words=8) for _ in range(100)]
        self.adjectives = ["Compact", "Premium", "Standard", "Heavy-Duty", "Smart", "Eco",
                           "Industrial", "Portable", "Wireless", "Modular"]
        self.nouns = sorted({fake.word().capitalize() for _ in range(300)})
