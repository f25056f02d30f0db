#!/usr/bin/env python3
"""Generate a deterministic corpus of ContinuityPlan YAML files for benchmarks.

Every plan is clean at the as-of date (2026-11-28) for every check of the built-in packs (second edition included:
impact level, ICT continuity policy, independent review, recovery options, RTO/RPO of every DORA function, provider
data locations, exercised provider services, DORA scenarios, hosting, alternate sites, system), mirroring the
structure of fixtures/plans/payments-plan.yaml. A share of the plans (--defect-rate) gets one to three planted
defects from a catalogue that targets the ten checks of bench/ten-checks.yaml; ground-truth.json lists, per file, the
findings ({policy, path}) those ten checks must report. With all packs, the same defects give findings only of those
policies, except that an unknown owner / provider id gives BCP-REF-007 / BCP-REF-030 instead of DEP-002 / DEP-003.

    python3 bench/gen_corpus.py --n 1000 --out bench/corpus-1000            # 1,000 plans + ground-truth.json
    python3 bench/gen_corpus.py --process-count 100 --out bench/corpus-p100  # one plan with exactly 100 processes

Plan i depends only on (seed, i): a corpus of 100 plans is the prefix of a corpus of 1,000 with the same seed.
Standard library only. Plans are YAML 1.2: dates are unquoted YYYY-MM-DD strings, durations like `4h`, `1h30m`, `5d`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import re
import sys

AS_OF = dt.date(2026, 11, 28)

# The ten checks the defect catalogue targets (same ids as shared/checks.md). `doc` = document-level (path "").
TEN_CHECKS = [
    "BCP-META-001",  # document-level presence of several fields
    "BCP-META-004",  # document-level date vs now
    "BCP-BIA-002",   # per process: presence
    "BCP-RTO-001",   # per process, conditional on tier
    "BCP-RTO-002",   # per process: duration comparison
    "BCP-DEP-002",   # per dependency: cross-reference into people
    "BCP-DEP-003",   # per external dependency: cross-reference into providers
    "BCP-ROLE-003",  # per role: list content vs sibling field
    "BCP-BAK-004",   # per backup: nested object, result enum, date window vs now
    "BCP-DEP-006",   # per process: join over dependencies, duration comparisons
]

EXTERNAL_TYPES = ["cloud-saas", "cloud-paas", "cloud-iaas", "identity", "third-party-service", "telecom", "supplier"]
CLOUD_TYPES = ["cloud-saas", "cloud-paas", "cloud-iaas", "identity"]
CRITICAL_TIER = 2
EXIT_TIER = 1

# ---------------------------------------------------------------------------------------------------------------
# Vocabulary
FIRST = ["Anna", "Lena", "Jonas", "Sara", "Tom", "Marta", "David", "Eva", "Paul", "Nina", "Omar", "Ines", "Karl",
         "Lea", "Mats", "Rosa", "Ugo", "Vera", "Yann", "Zoe", "Aziz", "Bea", "Chen", "Dora", "Emil", "Fay", "Gus",
         "Hana", "Ivo", "Jana", "Kofi", "Lina", "Milo", "Noor", "Olga", "Pia", "Raj", "Sven", "Tara", "Uma"]
LAST = ["Weber", "Mueller", "Keller", "Becker", "Novak", "Rossi", "Hahn", "Fischer", "Schulz", "Wagner", "Costa",
        "Nowak", "Dubois", "Jansen", "Larsen", "Moreau", "Silva", "Horvat", "Berg", "Kaya", "Ito", "Park", "Singh",
        "Ali", "Meyer", "Brandt", "Vogel", "Roth", "Lang", "Frank"]
TITLES = ["Head of Operations", "Deputy Head of Operations", "IT Service Continuity Manager", "Cloud Platform Lead",
          "Head of Communications", "Compliance Officer", "Customer Support Lead", "Finance Manager",
          "Security Officer", "Infrastructure Engineer", "Service Owner", "Team Lead", "Risk Manager",
          "Facilities Manager", "Data Protection Officer", "Application Owner"]
ORGS = [("Contoso", "contoso"), ("Fabrikam", "fabrikam"), ("Northwind", "northwind"), ("Tailspin", "tailspin"),
        ("Woodgrove", "woodgrove"), ("Litware", "litware"), ("Adatum", "adatum"), ("Proseware", "proseware")]
UNITS = ["Payments", "Treasury", "Customer Service", "Logistics", "Claims", "Lending", "Trading Support", "HR Services",
         "Procurement", "Clinical Operations", "Billing", "Warehouse"]
PROCESS_NAMES = ["payment processing", "settlement", "customer support", "regulatory reporting", "payroll",
                 "order intake", "invoicing", "claims handling", "loan origination", "fraud monitoring",
                 "treasury management", "account opening", "collections", "dispatch", "procurement",
                 "KYC screening", "card authorisation", "general ledger close", "data warehouse loads",
                 "partner onboarding", "complaints handling", "market data feeds", "warehouse picking",
                 "contract management", "identity administration", "document archiving"]
# (name, type, provider key or None)
DEP_CATALOGUE = [
    ("Microsoft Entra ID", "identity", "MSFT"), ("Okta Workforce Identity", "identity", "OKTA"),
    ("Exchange Online", "cloud-saas", "MSFT"), ("Microsoft Teams", "cloud-saas", "MSFT"),
    ("SharePoint Online and OneDrive", "cloud-saas", "MSFT"), ("Zendesk Suite", "cloud-saas", "ZD"),
    ("Salesforce Sales Cloud", "cloud-saas", "SFDC"), ("Workday HCM", "cloud-saas", "WDAY"),
    ("ServiceNow ITSM", "cloud-saas", "SNOW"), ("Slack", "cloud-saas", "SLACK"),
    ("Azure SQL Database", "cloud-paas", "MSFT"), ("AWS RDS PostgreSQL", "cloud-paas", "AWS"),
    ("Google BigQuery", "cloud-paas", "GCP"), ("AWS EC2 workloads", "cloud-iaas", "AWS"),
    ("Azure Virtual Machines", "cloud-iaas", "MSFT"), ("Card scheme gateway", "third-party-service", "SCHEME"),
    ("Clearing house connectivity", "third-party-service", "CLEAR"), ("Credit bureau API", "third-party-service", "BUREAU"),
    ("Mobile network operator", "telecom", "TELCO"), ("SIP trunk provider", "telecom", "SIP"),
    ("Cash logistics supplier", "supplier", "CASH"), ("Print and mail house", "supplier", "PRINT"),
    ("Core banking platform", "own-infrastructure", None), ("Payment hub", "own-infrastructure", None),
    ("ERP system", "own-infrastructure", None), ("Data centre network", "network", None),
    ("File servers", "own-infrastructure", None), ("Head office building", "facility", None),
    ("Operations staff", "people", None), ("Batch scheduler", "own-infrastructure", None),
    ("Internal API gateway", "own-infrastructure", None), ("Message queue cluster", "own-infrastructure", None),
    ("Warehouse management system", "own-infrastructure", None), ("Secondary site", "facility", None),
]
PROVIDERS = {
    "MSFT": "Microsoft (Microsoft 365, Entra ID, Azure)", "OKTA": "Okta Inc.", "ZD": "Zendesk Inc.",
    "SFDC": "Salesforce Inc.", "WDAY": "Workday Inc.", "SNOW": "ServiceNow Inc.", "SLACK": "Slack Technologies",
    "AWS": "Amazon Web Services EMEA", "GCP": "Google Cloud EMEA", "SCHEME": "Card scheme operator",
    "CLEAR": "Clearing house", "BUREAU": "Credit bureau", "TELCO": "Mobile network operator",
    "SIP": "SIP trunk carrier", "CASH": "Cash-in-transit company", "PRINT": "Print and mail house",
}
CONTINGENCY = {
    "identity": ("degraded-mode", "Emergency-access accounts sealed offline; local admin accounts in vault"),
    "cloud-saas": ("workaround", "Switch to the documented manual workaround and offline copies"),
    "cloud-paas": ("failover", "Fail over to the paired region replica"),
    "cloud-iaas": ("failover", "Redeploy from images in the secondary region"),
    "third-party-service": ("alternate-provider", "Route traffic to the secondary provider contract"),
    "telecom": ("alternate-provider", "Switch to the second carrier and satellite phones"),
    "supplier": ("manual", "Use the pre-agreed alternate supplier and manual ordering"),
    "own-infrastructure": ("failover", "Fail over to the warm standby at the secondary site"),
    "network": ("failover", "Route over the backup WAN link"),
    "facility": ("workaround", "Relocate staff to the secondary site or remote working"),
    "people": ("workaround", "Cross-trained staff from other teams take over"),
}
ROLE_BASE = [  # (suffix, name, functions)
    ("CM", "Crisis Manager", ["activation", "incident-command"]),
    ("BL", "Business Recovery Lead", ["activation", "recovery"]),
    ("IT", "IT Recovery Lead", ["recovery", "technical"]),
    ("CO", "Communications Lead", ["communications", "media"]),
    ("RL", "Regulatory Liaison", ["communications", "regulatory"]),
    ("SH", "Service Health Monitor", ["monitoring"]),
]

# Durations in minutes
RTO_CRIT = [60, 120, 240, 480, 720, 1440]
RTO_LOW = [1440, 2880, 4320, 7200, 10080]
RPO_LADDER = [5, 15, 30, 60, 240, 1440]
LADDER = [5, 10, 15, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 7200, 10080]


def fmt_dur(minutes: int, rng: random.Random | None = None) -> str:
    """Format minutes as a plan duration: 15m, 4h, 1h30m, 3d (days only for whole days >= 2)."""
    if minutes % 1440 == 0 and minutes >= 2880 and (rng is None or rng.random() < 0.7):
        return f"{minutes // 1440}d"
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h}h{m}m"
    if h:
        return f"{h}h"
    return f"{m}m"


def parse_dur(text: str) -> int:
    """Plan duration to minutes (only used on the generator's own output)."""
    total = 0
    for num, unit in re.findall(r"(\d+)([wdhms])", text):
        total += int(num) * {"w": 10080, "d": 1440, "h": 60, "m": 1, "s": 0}[unit]
    return total


def ladder_le(limit: int, rng: random.Random, lo: int = 5) -> int:
    """A ladder value between lo and limit (inclusive), biased to the larger ones."""
    opts = [x for x in LADDER if lo <= x <= limit] or [min(limit, lo)]
    return opts[-1] if rng.random() < 0.5 else rng.choice(opts)


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


# ---------------------------------------------------------------------------------------------------------------
# YAML emission: block style at the top, flow style for list items, like the example plan.
PLAIN_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 ./()'+-]*[A-Za-z0-9.)]$|^[A-Za-z]$")
YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DUR_RE = re.compile(r"^(\d+[wdhms])+$")
VER_RE = re.compile(r"^\d+\.\d+\.\d+$")


def scalar(v) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    s = str(v)
    if DATE_RE.match(s) or DUR_RE.match(s) or VER_RE.match(s):
        return s
    if PLAIN_RE.match(s) and s.lower() not in YAML11_WORDS and ": " not in s and " #" not in s:
        return s
    return json.dumps(s, ensure_ascii=False)


def flow(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return scalar(v)


def emit(doc: dict) -> str:
    out = []
    for key, val in doc.items():
        if isinstance(val, dict):
            out.append(f"{key}:")
            for k, v in val.items():
                out.append(f"  {k}: {flow(v)}")
        elif isinstance(val, list) and val and all(isinstance(x, dict) for x in val):
            out.append(f"{key}:")
            for item in val:
                out.append(f"  - {flow(item)}")
        else:
            out.append(f"{key}: {flow(val)}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Plan construction


def sizes(rng: random.Random) -> tuple[int, int]:
    """(processes, dependencies): skewed to small plans, like a real repository; 3-40 and 3-30."""
    n_proc = max(3, min(40, int(round(rng.lognormvariate(math.log(5), 0.65)))))
    n_dep = max(3, min(30, int(round(n_proc * rng.uniform(0.5, 0.9))) + rng.randint(0, 2)))
    return n_proc, n_dep


def build_plan(rng: random.Random, idx: int, n_proc: int, n_dep: int, xrng: random.Random) -> dict:
    """Plan idx: first-edition structure from rng, second-edition fields from xrng (see second_edition)."""
    org, domain = rng.choice(ORGS)
    unit = rng.choice(UNITS)
    unit_code = re.sub(r"[^A-Z]", "", unit.upper())[:4] or "OPS"
    dora = rng.random() < 0.6

    # --- people ---------------------------------------------------------------------------------------------
    n_people = max(8, min(60, n_proc // 2 + 6 + rng.randint(0, 4)))
    people, used_ids = [], set()
    for i in range(n_people):
        fn, ln = FIRST[(idx * 7 + i * 3) % len(FIRST)], LAST[(idx * 11 + i * 5) % len(LAST)]
        pid = f"PER-{fn[0]}{ln[0]}"
        n = 2
        while pid in used_ids:
            pid = f"PER-{fn[0]}{ln[0]}{n}"
            n += 1
        used_ids.add(pid)
        person = {"id": pid, "name": f"{fn} {ln}", "title": TITLES[(i + idx) % len(TITLES)],
                  "email": f"{fn[0].lower()}.{ln.lower()}{'' if n == 2 else n}@{domain}.example",
                  "phone": f"+49 151 {idx % 10000:04d} {i:04d}"}
        if rng.random() < 0.25:
            person["alt_phone"] = f"+49 30 {idx % 10000:04d} {i:04d}"
        people.append(person)
    pids = [p["id"] for p in people]

    # --- roles ----------------------------------------------------------------------------------------------
    roles = []
    extra_roles = min(20, n_proc // 6)
    role_specs = list(ROLE_BASE) + [(f"T{i + 1}", f"Recovery Team {i + 1} Lead", ["recovery", "technical"])
                                    for i in range(extra_roles)]
    for i, (suffix, name, funcs) in enumerate(role_specs):
        primary = pids[i % len(pids)]
        n_alt = 1 if rng.random() < 0.7 else 2
        alts = [pids[(i + 1 + k) % len(pids)] for k in range(n_alt)]
        roles.append({"id": f"ROLE-{suffix}", "name": name, "functions": funcs, "primary": primary,
                      "alternates": alts})
    rids = [r["id"] for r in roles]
    recovery_roles = [r["id"] for r in roles if "recovery" in r["functions"]]

    escalation = [
        {"level": 1, "after": rng.choice(["15m", "30m", "45m"]), "role": "ROLE-IT",
         "action": "Assess outage, check provider service health, choose workaround"},
        {"level": 2, "after": rng.choice(["1h", "90m", "2h"]).replace("90m", "1h30m"), "role": "ROLE-CM",
         "action": "Decide on plan activation"},
    ]

    # --- dependencies (catalogue entries, unique names) --------------------------------------------------------
    cat = list(DEP_CATALOGUE)
    rng.shuffle(cat)
    identity = [c for c in cat if c[1] == "identity"][:1]
    rest = [c for c in cat if c not in identity]
    chosen = identity + rest[: n_dep - 1]
    # beyond the catalogue (never at n_dep <= 30 with 34 entries, kept for safety)
    while len(chosen) < n_dep:
        k = len(chosen)
        chosen.append((f"Internal service {k}", "own-infrastructure", None))
    deps = []
    for k, (name, typ, prov) in enumerate(chosen):
        did = "DEP-" + re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")[:18].strip("-")
        if any(d["id"] == did for d in deps):
            did = f"{did}-{k}"
        deps.append({"id": did, "name": name, "type": typ, "_prov": prov})

    # --- processes --------------------------------------------------------------------------------------------
    procs = []
    pnames = list(PROCESS_NAMES)
    rng.shuffle(pnames)
    for i in range(n_proc):
        base = pnames[i % len(pnames)]
        name = base[0].upper() + base[1:] + ("" if i < len(pnames) else f" ({i // len(pnames) + 1})")
        tier = 1 if i == 0 else rng.choices([1, 2, 3, 4], weights=[2, 4, 3, 1])[0]
        p = {"id": f"P-{i + 1:03d}" if n_proc > 40 else f"P-{re.sub(r'[^A-Z]', '', base.upper())[:5]}{i + 1}",
             "name": name, "owner": pids[(i * 3 + 1) % len(pids)], "tier": tier}
        if rng.random() < 0.6 or tier == 1:
            p["critical_or_important"] = tier <= 2 and rng.random() < 0.7
        if tier <= CRITICAL_TIER:
            rto = rng.choice(RTO_CRIT)
            rpo = rng.choice([x for x in RPO_LADDER if x <= rto])
            mtpd = rto * rng.choice([2, 3, 4, 6])
            p.update(rto=fmt_dur(rto, rng), rpo=fmt_dur(rpo, rng), mtpd=fmt_dur(mtpd, rng),
                     mbco=rng.choice(["At least 60% of normal volume", "Urgent cases only, within one business day",
                                      "Statutory deadlines met", "Hotline staffed 08:00-18:00",
                                      "Top-100 customers served"]))
        elif rng.random() < 0.5:
            rto = rng.choice(RTO_LOW)
            p.update(rto=fmt_dur(rto, rng), rpo=fmt_dur(1440, rng), mtpd=fmt_dur(rto * 2, rng))
        procs.append(p)
    # depends_on: every process lists 1-4 dependencies; the identity dependency is common
    for p in procs:
        k = min(len(deps), rng.randint(1, 4))
        ds = rng.sample(range(len(deps)), k)
        if rng.random() < 0.5 and 0 not in ds:
            ds.append(0)
        p["depends_on"] = [deps[j]["id"] for j in sorted(ds)]
    # upstream: a process may depend on upstream processes recovered no slower than itself
    with_rto = [p for p in procs if "rto" in p]
    for p in with_rto:
        if rng.random() < 0.25:
            cands = [q for q in with_rto if q is not p and parse_dur(q["rto"]) <= parse_dur(p["rto"])]
            if cands:
                p["upstream"] = [rng.choice(cands)["id"]]
        if rng.random() < 0.3:
            p["strategy"] = rng.choice(["Warm standby at the secondary site", "Manual workaround with paper forms",
                                        "Relocate to the secondary office", "Prioritise urgent work only"])
    pidx = {p["id"]: p for p in procs}
    users = {d["id"]: [p for p in procs if d["id"] in p["depends_on"]] for d in deps}

    # --- fill in dependencies so DEP-006/007 and the cloud checks pass ----------------------------------------
    providers_needed = []
    for d in deps:
        us = users[d["id"]]
        min_rto = min([parse_dur(p["rto"]) for p in us if "rto" in p] or [10080])
        min_rpo = min([parse_dur(p["rpo"]) for p in us if "rpo" in p] or [1440])
        prov = d.pop("_prov")
        typ = d["type"]
        d["owner"] = pids[rng.randrange(len(pids))]
        if typ in EXTERNAL_TYPES:
            d["provider"] = f"PRV-{prov}"
            if prov not in providers_needed:
                providers_needed.append(prov)
            d["sla"] = {"availability": rng.choice([99.5, 99.9, 99.95, 99.99])}
        if typ in CLOUD_TYPES:
            d["responsibility"] = {"provider": ["Service availability and resilience"],
                                   "customer": ["Access configuration", "Data backup beyond native retention"]}
        if typ in ("own-infrastructure", "network"):
            d["rto"] = fmt_dur(ladder_le(min_rto, rng, lo=15))
            d["rpo"] = fmt_dur(ladder_le(min_rpo, rng, lo=5))
        ctype, desc = CONTINGENCY[typ]
        if typ in EXTERNAL_TYPES or rng.random() < 0.6:
            d["contingency"] = {"type": ctype, "description": desc,
                                "activation_time": fmt_dur(ladder_le(min_rto, rng, lo=15)),
                                "owner": rng.choice(recovery_roles)}
        elif "rto" not in d:  # facility / people: still recoverable within every user's RTO
            d["rto"] = fmt_dur(ladder_le(min_rto, rng, lo=15))
        if rng.random() < 0.15:
            d["single_point_of_failure"] = False

    # --- evidence and providers ---------------------------------------------------------------------------------
    evidence = [{"id": "EV-BIA", "type": "bia", "title": f"{unit} BIA {AS_OF.year}",
                 "uri": "evidence/bia.pdf", "date": day(-rng.randint(40, 300))}]
    providers = []
    exit_needed = set()
    for p in procs:
        if p["tier"] <= EXIT_TIER or p.get("critical_or_important") is True:
            for did in p["depends_on"]:
                dd = next(d for d in deps if d["id"] == did)
                if "provider" in dd:
                    exit_needed.add(dd["provider"])
    for key in providers_needed:
        vid = f"PRV-{key}"
        v = {"id": vid, "name": PROVIDERS[key]}
        if rng.random() < 0.5:
            evidence.append({"id": f"EV-CONTRACT-{key}", "type": "contract", "title": f"{PROVIDERS[key]} contract",
                             "uri": f"evidence/contract-{key.lower()}.pdf", "date": day(-rng.randint(100, 900))})
            v["contract"] = f"EV-CONTRACT-{key}"
        v["support"] = {"channel": "Provider support portal", "phone": f"+1 555 01{len(providers):02d}"}
        evidence.append({"id": f"EV-BC-{key}", "type": "provider-continuity",
                         "title": f"{PROVIDERS[key]} continuity programme report",
                         "uri": f"evidence/bc-{key.lower()}.pdf", "date": day(-rng.randint(20, 300))})
        v["continuity_evidence"] = f"EV-BC-{key}"
        v["status_channels"] = [f"https://status.{key.lower()}.example", "Provider admin mobile app"]
        if vid in exit_needed or rng.random() < 0.2:
            evidence.append({"id": f"EV-EXIT-{key}", "type": "exit-plan", "title": f"Exit plan for {PROVIDERS[key]}",
                             "uri": f"evidence/exit-{key.lower()}.pdf", "date": day(-rng.randint(30, 300))})
            v["exit_strategy"] = {"alternative": "Alternate provider shortlisted and pre-contracted",
                                  "transition_period": rng.choice(["180d", "365d", "26w"]),
                                  "data_export": "Full export via provider API", "plan": f"EV-EXIT-{key}",
                                  "reviewed_on": day(-rng.randint(10, 330))}
        providers.append(v)

    # --- activation, communications -----------------------------------------------------------------------------
    activation = {
        "authorized_roles": ["ROLE-CM", "ROLE-BL"],
        "criteria": [{"id": "AC-1", "description": "Critical process unavailable or degraded",
                      "threshold": "> 30m or RTO at risk"},
                     {"id": "AC-2", "description": "Provider incident affecting our tenant",
                      "threshold": "> 60m without provider ETA"}],
        "assessment": "ROLE-IT assesses scope, cause, expected duration and data loss",
        "decision_log": "Crisis log kept by ROLE-CM (offline workbook, paper fallback)",
    }
    saas = [d["id"] for d in deps if d["type"] == "cloud-saas"]
    idp = deps[0]["id"]
    comms = [
        {"id": "C-STAFF", "type": "internal", "audience": f"All {unit} staff", "owner": "ROLE-CO", "cadence": "hourly",
         "primary": {"channel": "Collaboration announcement", "depends_on": ([saas[0]] if saas else []) + [idp]},
         "fallback": {"channel": "SMS alert service and call tree", "depends_on": []}},
        {"id": "C-CUST", "type": "customer", "audience": "Customers", "owner": "ROLE-CO", "cadence": "every 2h",
         "primary": {"channel": "E-mail", "depends_on": saas[-1:]},
         "fallback": {"channel": "Status page hosted with another provider", "depends_on": []}},
        {"id": "C-REG", "type": "regulator", "audience": "Competent authority", "owner": "ROLE-RL",
         "deadline": rng.choice(["4h", "24h"]),
         "primary": {"channel": "Authority reporting portal", "depends_on": [idp]},
         "fallback": {"channel": "Phone to supervisory contact", "depends_on": []}},
    ]
    if rng.random() < 0.5:
        comms.append({"id": "C-MEDIA", "type": "media", "audience": "Press", "owner": "ROLE-CO",
                      "primary": {"channel": "Press office e-mail", "depends_on": saas[-1:]},
                      "fallback": {"channel": "Phone statements by spokesperson", "depends_on": []}})

    # --- procedures: one per critical process, target within its RTO ------------------------------------------
    procedures = []
    critical = [p for p in procs if p["tier"] <= CRITICAL_TIER]
    for i, p in enumerate(critical):
        rto = parse_dur(p["rto"])
        steps_n = rng.randint(1, 4)
        step_d = max(5, rto // (steps_n * 2))
        role = recovery_roles[i % len(recovery_roles)]
        procedures.append({
            "id": f"PR-{i + 1:03d}", "title": f"Recover {p['name'].lower()}", "phase": "recovery",
            "applies_to": [p["id"]], "owner": role, "target_time": fmt_dur(ladder_le(rto, rng, lo=30)),
            "steps": [{"n": s + 1, "action": ["Confirm outage and agree recovery with ROLE-CM",
                                               "Fail over to the secondary environment",
                                               "Verify data against the RPO", "Release queued work"][s],
                       "role": role, "duration": fmt_dur(ladder_le(step_d, rng))} for s in range(steps_n)],
        })
        if rng.random() < 0.3:
            procedures[-1]["last_tested"] = day(-rng.randint(20, 300))

    reconstitution = {
        "validation": {"data": "Reconcile restored data with source records; no unmatched items",
                       "functional": "End-to-end test transaction per critical process"},
        "recovery_declaration_role": "ROLE-CM",
        "stand_down": {"criteria": "All processes at normal capacity for 24h and backlog cleared",
                       "authorized_role": "ROLE-CM", "steps": ["Notify staff and customers", "Planned failback"]},
        "post_incident_review": {"required": True, "within": "10d", "owner": "ROLE-BL"},
    }

    # --- backups: cover every critical process with an RPO; frequency within the RPO ---------------------------
    backups = []
    crit_rpo = [p for p in critical if "rpo" in p]
    groups = []
    i = 0
    while i < len(crit_rpo):
        g = rng.randint(1, 3)
        groups.append(crit_rpo[i:i + g])
        i += g
    for k, g in enumerate(groups):
        min_rpo = min(parse_dur(p["rpo"]) for p in g)
        src = g[0]["depends_on"][0]
        ev = f"EV-RT-{k + 1:03d}"
        t = day(-rng.randint(5, 330))
        evidence.append({"id": ev, "type": "restore-test", "title": f"Restore test {k + 1}",
                         "uri": f"evidence/rt-{k + 1:03d}.pdf", "date": t})
        backups.append({"id": f"BK-{k + 1:03d}", "scope": f"Data of {', '.join(p['name'].lower() for p in g)}",
                        "source": src, "covers": [p["id"] for p in g],
                        "method": rng.choice(["Log shipping plus nightly full", "Snapshot replication",
                                              "Third-party SaaS backup", "Incremental forever to object storage"]),
                        "frequency": fmt_dur(ladder_le(min_rpo, rng)), "retention": rng.choice(["35d", "90d", "365d"]),
                        "offsite": True, "immutable": rng.random() < 0.8, "segregated": True, "encrypted": True,
                        "owner": "ROLE-IT", "restore_test": {"date": t, "result": "pass", "evidence": ev}})

    # --- exercises: recent tabletop over all critical processes (cyber), failover (switchover), call tree ---------
    exercises = []
    scope_all = [p["id"] for p in critical] or [procs[0]["id"]]

    def exercise(eid, typ, when, scenario, tags, scope, with_finding):
        ev = f"EV-{eid}"
        evidence.append({"id": ev, "type": "exercise-report", "title": f"{scenario} report",
                         "uri": f"evidence/{eid.lower()}.pdf", "date": day(when + 2 if when + 2 <= 0 else when)})
        e = {"id": eid, "type": typ, "date": day(when), "scenario": scenario, "scenario_tags": tags,
             "scope": scope, "objectives": "Recover within RTO and RPO", "result": rng.choice(["pass", "pass", "partial"]),
             "report": ev, "findings": []}
        if with_finding:
            e["findings"] = [{"id": "F1", "description": "Call-tree list outdated"}]
            closed = rng.random() < 0.5
            a = {"id": "A1", "finding": "F1", "description": "Update the call tree", "owner": rng.choice(pids),
                 "due": day(when + 60) if closed else day(rng.randint(10, 120)),
                 "status": "closed" if closed else rng.choice(["open", "in-progress"])}
            if closed:
                a["closed_on"] = day(when + 30)
            e["actions"] = [a]
        exercises.append(e)

    exercise("EX-TT", "tabletop", -rng.randint(30, 300), "Ransomware during a prolonged cloud outage",
             ["cyber-attack", "cloud-outage"], scope_all, rng.random() < 0.5)
    exercise("EX-FO", "failover", -rng.randint(30, 300), "Loss of the primary data centre",
             ["switchover", "site-loss"], scope_all[:2], rng.random() < 0.3)
    exercise("EX-CT", "call-tree", -rng.randint(5, 200), "Unannounced call-tree test", ["communications"],
             scope_all[:1], False)

    training = {"last_delivered": day(-rng.randint(20, 300)), "frequency": "365d",
                "audience": ["Role holders", f"{unit} staff"], "evidence": "EV-TRN"}
    evidence.append({"id": "EV-TRN", "type": "training-record", "title": "BCP training attendance",
                     "uri": "evidence/training.xlsx", "date": training["last_delivered"]})

    last_reviewed = -rng.randint(10, 300)
    storage_dep = saas[-1] if saas else deps[-1]["id"]
    maintenance = {"review_cycle": "365d",
                   "triggers": ["Organisational or system change", "After every activation or exercise"],
                   "distribution": ["ROLE-CM", "ROLE-BL", "ROLE-IT", "ROLE-CO"],
                   "storage": [{"location": "Document management system (master copy)", "offline": False,
                                "depends_on": [storage_dep]},
                               {"location": "Printed and encrypted-USB copies in crisis boxes", "offline": True,
                                "depends_on": []}],
                   "change_log": [{"version": "2.1.0", "date": day(last_reviewed), "author": pids[1],
                                   "summary": "Annual review"}]}

    approved = rng.random() < 0.85
    metadata = {
        "id": f"BCP-{unit_code}-{idx + 1:05d}", "title": f"{unit} Business Continuity Plan",
        "version": f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.0", "status": "approved" if approved else "in-review",
        "owner": pids[1],
    }
    if approved:
        metadata["approver"] = {"name": people[0]["name"], "title": "Chief Operating Officer", "person": pids[0]}
        metadata["approved_on"] = day(last_reviewed + rng.randint(0, min(5, -last_reviewed)))
    metadata.update({
        "last_reviewed": day(last_reviewed), "next_review": day(last_reviewed + 365),
        "frameworks": ["iso22301", "nist-800-34"] + (["dora"] if dora else []) + ["cloud"],
        "purpose": f"Keep {unit.lower()} running, or restore it within its RTOs, when systems, providers, "
                   f"sites or people are disrupted.",
        "scope": {"description": f"{unit} department of {org} (all offices).",
                  "in_scope": [p["id"] for p in critical][:10] or [procs[0]["id"]],
                  "out_of_scope": ["Building evacuation (Occupant Emergency Plan)"],
                  "assumptions": ["At least 50% of staff available and remote-capable"]},
    })
    bia = {"completed_on": day(-rng.randint(20, 330)), "approved_by": pids[0], "method": "BIA workshops",
           "evidence": "EV-BIA"}

    plan = {"apiVersion": "bcp/v1", "kind": "ContinuityPlan", "metadata": metadata, "bia": bia, "people": people,
            "roles": roles, "escalation": escalation, "processes": procs, "providers": providers,
            "dependencies": deps, "activation": activation, "communications": comms, "procedures": procedures,
            "reconstitution": reconstitution, "backups": backups, "exercises": exercises, "training": training,
            "maintenance": maintenance, "evidence": evidence}
    assert pidx
    second_edition(plan, xrng, dora)
    return plan


# ---------------------------------------------------------------------------------------------------------------
# Second edition of the packs: fields the payments example gained. Drawn from their own generator (xrng), after the
# first-edition plan is built, so the first-edition draws stay as they were (defects may pick other processes now
# that every process of a DORA plan has an RTO).
HOSTING = {"cloud-saas": "cloud", "cloud-paas": "cloud", "cloud-iaas": "cloud", "identity": "cloud",
           "third-party-service": "third-party", "telecom": "third-party", "supplier": "third-party",
           "own-infrastructure": "self-hosted", "network": "self-hosted"}  # facility, people: no hosting
DATA_LOCATIONS = ["EU regions (Germany and Netherlands)", "EU Data Boundary (France Central and West Europe)",
                  "Germany (Frankfurt data centres)", "Ireland and Netherlands (EU regions)",
                  "EEA only (Sweden and Finland)"]
RECOVERY_OPTIONS = [
    ("Fail over to the warm standby; handle urgent cases manually",
     "Run production from the secondary site and rebuild the primary environment"),
    ("Manual workaround with offline forms; prioritise urgent work",
     "Restore from backups to replacement infrastructure and re-key the backlog"),
    ("Degraded service from the secondary site with reduced volume",
     "Move to an alternate provider or platform under the exit plan"),
]
SITES = [("Frankfurt", "Amsterdam, Netherlands", "About 360 km"), ("Munich", "Vienna, Austria", "About 350 km"),
         ("Paris", "Lyon, France", "About 390 km"), ("Hamburg", "Berlin, Germany", "About 250 km")]
# (id, title, tags): together the tags cover params.doraScenarios (BCP-SCN-001)
DORA_SCENARIOS = [
    ("SC-CYBER", "Ransomware or other cyber-attack, also by an insider", ["cyber-attack", "insider-attack"]),
    ("SC-SWITCH", "Switchover to the secondary site after site or power loss", ["switchover", "site-loss",
                                                                               "power-outage"]),
    ("SC-TPP", "Failure or insolvency of a critical provider", ["third-party-failure", "political-instability"]),
    ("SC-ICT", "Substantial failure of ICT assets or communication infrastructure", ["ict-failure"]),
    ("SC-PEOPLE", "Pandemic, flood or physical attack leaving too few staff or no office",
     ["natural-disaster", "staff-unavailability"]),
]


def _with(d: dict, after: str | None, **new) -> dict:
    """Copy of d with the new keys inserted after key `after` (at the end if absent), keeping emit order readable."""
    out = {}
    for k, v in d.items():
        out[k] = v
        if k == after:
            out.update(new)
    if after not in d:
        out.update(new)
    return out


def restore_minutes(d: dict) -> int:
    """How fast a dependency is back: the quicker of its rto and its contingency's activation time."""
    ts = [parse_dur(d["rto"])] if "rto" in d else []
    if "activation_time" in d.get("contingency", {}):
        ts.append(parse_dur(d["contingency"]["activation_time"]))
    return min(ts) if ts else 0


def second_edition(plan: dict, xrng: random.Random, dora: bool) -> None:
    md, procs, deps = plan["metadata"], plan["processes"], plan["dependencies"]
    evidence = plan["evidence"]
    unit = md["title"].removesuffix(" Business Continuity Plan")
    critical = [p for p in procs if p["tier"] <= CRITICAL_TIER]

    # dependencies: who runs them (hosting), so the provider, SLA and contingency checks follow it, not the type
    for k, d in enumerate(deps):
        if d["type"] in HOSTING:
            deps[k] = _with(d, "type", hosting=HOSTING[d["type"]])
    dep_by_id = {d["id"]: d for d in deps}

    # processes: DORA asks RTO and RPO of every function (BCP-RTO-004), recovery options of critical or important
    # ones (BCP-REC-005). A new RTO is no faster than the dependencies of the process (DEP-006).
    for k, p in enumerate(procs):
        if dora and "rto" not in p:
            rto = max([xrng.choice(RTO_LOW)] + [restore_minutes(dep_by_id[i]) for i in p["depends_on"]])
            p = _with(p, "tier" if "critical_or_important" not in p else "critical_or_important",
                      rto=fmt_dur(rto, xrng), rpo=fmt_dur(1440), mtpd=fmt_dur(rto * 2, xrng))
        if dora and p.get("critical_or_important") is True:
            short, long = xrng.choice(RECOVERY_OPTIONS)
            p = _with(p, "critical_or_important", recovery_options={"short_term": short, "long_term": long})
        procs[k] = p

    # providers: where the service runs and the data is (BCP-DEP-014)
    for k, v in enumerate(plan["providers"]):
        plan["providers"][k] = _with(v, "continuity_evidence", data_locations=[xrng.choice(DATA_LOCATIONS)])

    # exercises: the tabletop exercises the third-party services of critical or important functions (BCP-EX-010)
    ci_deps = {i for p in procs if p.get("critical_or_important") is True for i in p["depends_on"]}
    tested = [d["id"] for d in deps if d["id"] in ci_deps and "provider" in d]
    impact = xrng.choices(["low", "moderate", "high"], weights=[2, 5, 2])[0]
    for k, e in enumerate(plan["exercises"]):
        if e["id"] == "EX-TT" and tested:
            plan["exercises"][k] = _with(e, "scope", dependencies=tested)
        if e["id"] == "EX-FO" and impact == "high":  # BCP-EX-009: a high-impact plan needs a full-scale exercise
            e["type"] = "full-scale"

    # metadata: FIPS 199 impact level (BCP-META-007), related plans (META-009); DORA: the approved ICT BC policy
    new = {"impact_level": impact}
    if dora:
        approved_on = day(-xrng.randint(60, 600))
        new["continuity_policy"] = {"title": "ICT business continuity policy", "approved_by": "Management Board",
                                    "approved_on": approved_on, "evidence": "EV-BCPOL"}
        evidence.append({"id": "EV-BCPOL", "type": "approval", "title": "Management Board minutes approving the ICT "
                         "business continuity policy", "uri": "evidence/bcpol-approval.pdf", "date": approved_on})
    md = _with(md, "frameworks", **new)
    md["related_plans"] = [{"id": "IRP-001", "title": "Cyber Incident Response Plan"},
                           {"id": "CCP-001", "title": "Crisis Communication Plan"}]
    plan["metadata"] = md

    # maintenance: independent internal audit review (DORA, BCP-META-011)
    if dora:
        when = day(-xrng.randint(20, 330))
        plan["maintenance"] = _with(plan["maintenance"], "review_cycle", independent_review={
            "date": when, "reviewer": "Internal Audit (ICT audit team)", "evidence": "EV-AUDIT"})
        evidence.append({"id": "EV-AUDIT", "type": "audit", "title": "Internal Audit review of the response and "
                         "recovery plans", "uri": "evidence/audit.pdf", "date": when})

    # reconstitution: how users hear that recovery is complete (BCP-REC-004)
    plan["reconstitution"] = _with(plan["reconstitution"], "stand_down", user_notification=(
        "ROLE-CO tells staff and customers by SMS call tree and the status page once ROLE-CM declares recovery"))

    # alternate storage and processing site, separated from the primary (BCP-SITE-001/002); system (BCP-SYS-001/002)
    primary, alt, dist = xrng.choice(SITES)
    fastest = min(parse_dur(p["rto"]) for p in critical if "rto" in p) if critical else 240
    plan["alternate_sites"] = [{"id": "SITE-ALT", "name": "Secondary site", "purpose": ["processing", "storage"],
                                "location": alt, "separation": f"{dist} from the {primary} primary site; other "
                                                              "power grid and flood zone",
                                "agreement": "EV-SITE", "ready_within": fmt_dur(fastest)}]
    evidence.append({"id": "EV-SITE", "type": "contract", "title": "Secondary site agreement",
                     "uri": "evidence/site-agreement.pdf", "date": day(-xrng.randint(100, 900))})
    plan["system"] = {"name": f"{unit} systems",
                      "inventory": [d["name"] for d in deps if d["type"] in ("own-infrastructure", "network")][:6]
                      or [f"{unit} application servers and databases"],
                      "interconnections": [{"id": "IC-1", "system": "Partner data exchange",
                                            "organization": "Clearing and partner organisations",
                                            "connection": "SFTP over VPN"}]}

    # scenarios the response and recovery plans consider (DORA, BCP-SCN-001)
    if dora:
        prids = [pr["id"] for pr in plan["procedures"]]
        plan["scenarios"] = [{"id": sid, "title": title, "tags": tags,
                              "procedures": sorted(xrng.sample(prids, min(len(prids), xrng.randint(1, 2))))}
                             for sid, title, tags in DORA_SCENARIOS]
    # evidence last, as in the example
    plan["evidence"] = plan.pop("evidence")


# ---------------------------------------------------------------------------------------------------------------
# Defect catalogue: each entry plants one gap and returns the findings it causes among the ten checks.
# Targets are chosen so that defects in one plan never touch the same item (one defect per item).


def _free(plan, section, used, pred=lambda x: True):
    cands = [i for i, x in enumerate(plan.get(section, [])) if (section, i) not in used and pred(x)]
    return cands


def d_meta_001(plan, rng, used):
    md = plan["metadata"]
    field = rng.choice(["id", "title", "version", "status", "owner", "purpose", "scope", "scope.description"])
    if field == "scope.description":
        del md["scope"]["description"]
    elif field == "status":
        del md["status"]
        md.pop("approver", None)
        md.pop("approved_on", None)
    else:
        del md[field]
    return f"metadata.{field} removed", [("BCP-META-001", "")]


def d_meta_004(plan, rng, used):
    md = plan["metadata"]
    if rng.random() < 0.75:
        md["next_review"] = day(-rng.randint(1, 90))
        return "metadata.next_review in the past", [("BCP-META-004", "")]
    del md["next_review"]
    return "metadata.next_review removed", [("BCP-META-004", "")]


def d_bia_002(plan, rng, used):
    i = rng.choice(_free(plan, "processes", used))
    used.add(("processes", i))
    field = rng.choice(["owner", "tier"])
    del plan["processes"][i][field]
    return f"processes[{i}].{field} removed", [("BCP-BIA-002", f"processes[{i}]")]


def d_rto_001(plan, rng, used):
    c = _free(plan, "processes", used, lambda p: p.get("tier", 9) <= CRITICAL_TIER and "rto" in p)
    if not c:
        return None
    i = rng.choice(c)
    used.add(("processes", i))
    del plan["processes"][i]["rto"]
    return f"processes[{i}].rto removed from a critical process", [("BCP-RTO-001", f"processes[{i}]")]


def d_rto_002(plan, rng, used):
    c = _free(plan, "processes", used, lambda p: "rto" in p and "mtpd" in p)
    if not c:
        return None
    i = rng.choice(c)
    used.add(("processes", i))
    p = plan["processes"][i]
    rto = parse_dur(p["rto"])
    p["mtpd"] = fmt_dur(max(5, rto // rng.choice([2, 4])))
    return f"processes[{i}].mtpd below its rto", [("BCP-RTO-002", f"processes[{i}]")]


def d_dep_002(plan, rng, used):
    i = rng.choice(_free(plan, "dependencies", used))
    used.add(("dependencies", i))
    d = plan["dependencies"][i]
    if rng.random() < 0.5:
        del d["owner"]
        what = "owner removed"
    else:
        d["owner"] = "PER-LEFT-COMPANY"
        what = "owner is not a person of the plan"
    return f"dependencies[{i}] {what}", [("BCP-DEP-002", f"dependencies[{i}]")]


def d_dep_003(plan, rng, used):
    c = _free(plan, "dependencies", used, lambda d: d["type"] in EXTERNAL_TYPES)
    if not c:
        return None
    i = rng.choice(c)
    used.add(("dependencies", i))
    d = plan["dependencies"][i]
    if rng.random() < 0.5:
        del d["provider"]
        what = "provider removed"
    else:
        d["provider"] = "PRV-UNKNOWN"
        what = "provider is not a provider of the plan"
    return f"dependencies[{i}] {what}", [("BCP-DEP-003", f"dependencies[{i}]")]


def d_role_003(plan, rng, used):
    i = rng.choice(_free(plan, "roles", used))
    used.add(("roles", i))
    r = plan["roles"][i]
    v = rng.choice(["absent", "empty", "primary"])
    if v == "absent":
        del r["alternates"]
    elif v == "empty":
        r["alternates"] = []
    else:
        r["alternates"] = [r["primary"]]
    return f"roles[{i}].alternates {v}", [("BCP-ROLE-003", f"roles[{i}]")]


def d_bak_004(plan, rng, used):
    c = _free(plan, "backups", used)
    if not c:
        return None
    i = rng.choice(c)
    used.add(("backups", i))
    rt = plan["backups"][i]["restore_test"]
    v = rng.choice(["old", "old", "fail", "absent", "future"])
    if v == "old":
        rt["date"] = day(-rng.randint(366, 800))
    elif v == "fail":
        rt["result"] = "fail"
    elif v == "absent":
        del plan["backups"][i]["restore_test"]
    else:  # a planned test does not count (checks.md ruling 4)
        rt["date"] = day(rng.randint(1, 60))
    return f"backups[{i}].restore_test {v}", [("BCP-BAK-004", f"backups[{i}]")]


def d_dep_006(plan, rng, used):
    """A process needs a dependency that cannot be restored within its RTO.

    Variant 'new': a new slow dependency used only by one process. Variant 'slow': an existing dependency becomes
    slower than every process that uses it; every process with an RTO that lists it is a finding (computed at the
    end of planting, see plant())."""
    procs = plan["processes"]
    deps = plan["dependencies"]
    if rng.random() < 0.5:
        c = _free(plan, "processes", used, lambda p: "rto" in p)
        if not c:
            return None
        i = rng.choice(c)
        used.add(("processes", i))
        p = procs[i]
        slow = parse_dur(p["rto"]) * rng.choice([2, 3]) + 60
        did = f"DEP-LEGACY-{len(deps) + 1}"
        deps.append({"id": did, "name": "Legacy mainframe batch", "type": "own-infrastructure",
                     "hosting": "self-hosted", "owner": plan["people"][0]["id"], "rto": fmt_dur(slow),
                     "rpo": p.get("rpo", "24h"),  # the process's RPO: only DEP-006 may fire, not DEP-007
                     "contingency": {"type": "manual", "description": "Manual processing from paper records",
                                     "activation_time": fmt_dur(slow + 60), "owner": "ROLE-IT"}})
        used.add(("dependencies", len(deps) - 1))
        p["depends_on"] = p["depends_on"] + [did]
        return f"processes[{i}] depends on new slow {did}", [("BCP-DEP-006", f"processes[{i}]")]
    c = _free(plan, "dependencies", used,
              lambda d: any(d["id"] in p.get("depends_on", []) and "rto" in p for p in procs))
    if not c:
        return None
    j = rng.choice(c)
    used.add(("dependencies", j))
    d = deps[j]
    worst = max(parse_dur(p["rto"]) for p in procs if "rto" in p and d["id"] in p.get("depends_on", []))
    slow = worst + rng.choice([60, 240, 1440])
    if "rto" in d:
        d["rto"] = fmt_dur(slow)
    if "contingency" in d:
        d["contingency"]["activation_time"] = fmt_dur(slow)
    elif "rto" not in d:
        d["rto"] = fmt_dur(slow)
    return f"dependencies[{j}] ({d['id']}) slower than every user's RTO", [("DEP-006-USERS", d["id"])]


CATALOGUE = {
    "BCP-META-001": d_meta_001, "BCP-META-004": d_meta_004, "BCP-BIA-002": d_bia_002, "BCP-RTO-001": d_rto_001,
    "BCP-RTO-002": d_rto_002, "BCP-DEP-002": d_dep_002, "BCP-DEP-003": d_dep_003, "BCP-ROLE-003": d_role_003,
    "BCP-BAK-004": d_bak_004, "BCP-DEP-006": d_dep_006,
}


def plant(plan, rng) -> tuple[list[str], list[dict]]:
    kinds = rng.sample(TEN_CHECKS, rng.choice([1, 1, 2, 2, 3]))
    # DEP-006 last: its 'slow' variant depends on which processes still have an RTO
    kinds.sort(key=lambda k: k == "BCP-DEP-006")
    used: set = set()
    notes, findings = [], []
    for k in kinds:
        res = CATALOGUE[k](plan, rng, used)
        if res is None:
            continue
        note, fs = res
        notes.append(note)
        for pol, path in fs:
            if pol == "DEP-006-USERS":  # every process with an RTO that uses the slowed dependency
                for i, p in enumerate(plan["processes"]):
                    if "rto" in p and path in p.get("depends_on", []):
                        findings.append({"policy": "BCP-DEP-006", "path": f"processes[{i}]"})
            else:
                findings.append({"policy": pol, "path": path})
    uniq = {(f["policy"], f["path"]): f for f in findings}
    return notes, sorted(uniq.values(), key=lambda f: (f["policy"], f["path"]))


# ---------------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="number of plans (default 100)")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--defect-rate", type=float, default=0.3, help="share of plans with planted defects (0.3)")
    ap.add_argument("--process-count", type=int, metavar="K",
                    help="write ONE clean plan with exactly K processes (scaling runs)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    truth = {"generator": "bench/gen_corpus.py", "seed": args.seed, "as_of": AS_OF.isoformat(), "checks": TEN_CHECKS,
             "path_convention": "logical path of the selected item (processes[3]) or '' for document-level policies",
             "files": {}, "defects": {}}
    if args.process_count:
        k = args.process_count
        rng = random.Random(f"{args.seed}-scale-{k}")
        plan = build_plan(rng, 0, k, max(3, min(30, k // 3)), random.Random(f"{args.seed}-scale-{k}-ed2"))
        name = f"plan-p{k}.yaml"
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(emit(plan))
        truth.update(n=1, defect_rate=0.0, process_count=k)
        truth["files"][name] = []
    else:
        total_bytes = 0
        for i in range(args.n):
            rng = random.Random(f"{args.seed}-{i}")
            n_proc, n_dep = sizes(rng)
            plan = build_plan(rng, i, n_proc, n_dep, random.Random(f"{args.seed}-{i}-ed2"))
            name = f"plan-{i + 1:05d}.yaml"
            findings = []
            drng = random.Random(f"{args.seed}-{i}-defects")  # independent of the plan's own draws
            if drng.random() < args.defect_rate:
                notes, findings = plant(plan, drng)
                truth["defects"][name] = notes
            text = emit(plan)
            total_bytes += len(text.encode())
            with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
                f.write(text)
            truth["files"][name] = findings
        truth.update(n=args.n, defect_rate=args.defect_rate, bytes=total_bytes)
    by_policy: dict[str, int] = {}
    for fs in truth["files"].values():
        for f in fs:
            by_policy[f["policy"]] = by_policy.get(f["policy"], 0) + 1
    truth["summary"] = {"files": len(truth["files"]),
                        "defective_files": sum(1 for fs in truth["files"].values() if fs),
                        "findings": sum(by_policy.values()), "by_policy": dict(sorted(by_policy.items()))}
    with open(os.path.join(args.out, "ground-truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, sort_keys=False)
        f.write("\n")
    s = truth["summary"]
    print(f"wrote {s['files']} plan(s) to {args.out} ({truth.get('bytes', 0) / 1e6:.1f} MB); "
          f"{s['defective_files']} with defects, {s['findings']} expected findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
