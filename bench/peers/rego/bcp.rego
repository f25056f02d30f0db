# The ten benchmark checks of bench/ten-checks.yaml in Rego (v1 syntax), shared by the regorus and OPA peers.
# input = one plan; data.params = policy parameters (plan-schema.md §3); data.now_ns = the as-of instant (ns).
# `findings` is the set of {policy, path}; path = the list item (`processes[3]`) or "" for document-level checks.
# Semantics as bcpcheck: a condition over a missing field is not applicable (undefined); a requirement over a
# missing field is a finding (`not ..._ok`). Dates are YYYY-MM-DD strings; durations like 4h, 1h30m, 365d.
package bcp

import rego.v1

unit_ns := {"w": 604800000000000, "d": 86400000000000, "h": 3600000000000, "m": 60000000000, "s": 1000000000}

period(s) := sum([v |
	some m in regex.find_all_string_submatch_n(`([0-9]+)([wdhms])`, s, -1)
	v := to_number(m[1]) * unit_ns[m[2]]
])

date_ns(s) := time.parse_ns("2006-01-02", s)

has(o, k) if o[k] != null

people_ids := {p.id | some p in input.people}

provider_ids := {v.id | some v in input.providers}

# BCP-META-001: plan states id, title, version, status, owner, purpose and scope
findings contains {"policy": "BCP-META-001", "path": ""} if not meta_001_ok

meta_001_ok if {
	md := input.metadata
	every k in ["id", "title", "version", "status", "owner", "purpose", "scope"] { has(md, k) }
	has(md.scope, "description")
}

# BCP-META-004: next review date is not in the past
findings contains {"policy": "BCP-META-004", "path": ""} if not meta_004_ok

meta_004_ok if date_ns(input.metadata.next_review) >= data.now_ns

# BCP-BIA-002: every process has an owner and a criticality tier
findings contains {"policy": "BCP-BIA-002", "path": sprintf("processes[%d]", [i])} if {
	some i, p in input.processes
	not owner_and_tier(p)
}

owner_and_tier(p) if {
	has(p, "owner")
	has(p, "tier")
}

# BCP-RTO-001: every critical process has an RTO
findings contains {"policy": "BCP-RTO-001", "path": sprintf("processes[%d]", [i])} if {
	some i, p in input.processes
	p.tier <= data.params.criticalTier
	not has(p, "rto")
}

# BCP-RTO-002: RTO does not exceed MTPD
findings contains {"policy": "BCP-RTO-002", "path": sprintf("processes[%d]", [i])} if {
	some i, p in input.processes
	has(p, "rto")
	has(p, "mtpd")
	not period(p.rto) <= period(p.mtpd)
}

# BCP-DEP-002: every dependency has a named internal owner
findings contains {"policy": "BCP-DEP-002", "path": sprintf("dependencies[%d]", [i])} if {
	some i, d in input.dependencies
	not owner_known(d)
}

# A helper rule, not `not d.owner in people_ids`: with `d.owner` undefined, OPA makes that expression undefined
# (no finding) while regorus makes it true (a finding). Through a helper both agree.
owner_known(d) if d.owner in people_ids

# BCP-DEP-003: every external dependency names its provider
findings contains {"policy": "BCP-DEP-003", "path": sprintf("dependencies[%d]", [i])} if {
	some i, d in input.dependencies
	d.type in data.params.externalTypes
	not provider_known(d)
}

provider_known(d) if d.provider in provider_ids

# BCP-ROLE-003: every role has at least one alternate, different from the primary
findings contains {"policy": "BCP-ROLE-003", "path": sprintf("roles[%d]", [i])} if {
	some i, r in input.roles
	not alternates_ok(r)
}

alternates_ok(r) if {
	count(r.alternates) >= 1
	not has(r, "primary")
}

alternates_ok(r) if {
	count(r.alternates) >= 1
	every a in r.alternates { a != r.primary }
}

# BCP-BAK-004: every backup had a passing restore test within 365d (and not in the future)
findings contains {"policy": "BCP-BAK-004", "path": sprintf("backups[%d]", [i])} if {
	some i, b in input.backups
	not restore_test_ok(b)
}

restore_test_ok(b) if {
	b.restore_test.result == "pass"
	t := date_ns(b.restore_test.date)
	t <= data.now_ns
	data.now_ns - t <= period(data.params.restoreTestMaxAge)
}

# BCP-DEP-006: each dependency (or its contingency) is restored within the RTO of every process that uses it
findings contains {"policy": "BCP-DEP-006", "path": sprintf("processes[%d]", [i])} if {
	some i, p in input.processes
	has(p, "rto")
	rto := period(p.rto)
	some id in p.depends_on
	some d in input.dependencies
	d.id == id
	not restored_within(d, rto)
}

restored_within(d, rto) if period(d.rto) <= rto

restored_within(d, rto) if period(d.contingency.activation_time) <= rto
