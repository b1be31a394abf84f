# govc's decision policy, written by hand: docs/semantics.md's algorithm over data.govc.ir, step by step (the
# steps numbered as that page numbers them). The contract's texts and request checks (request_problem, echo and one
# reason_* function per reason) are in contract.rego, generated from src/decision; the bundle ships both as one
# module, govc/policy.rego, the same for every program (everything program-specific is in data.json).
package govc

tables := data.govc.ir

# METADATA
# title: Decision
# description: The whole decision for a request, as docs/semantics.md defines it.
# entrypoint: true
decision := malformed_decision if {
	request_problem
} else := unknown_use_case_decision if {
	not tables.use_cases[input.use_case]
} else := use_case_decision

# METADATA
# title: Allow
# description: Whether the request may proceed (allow or degrade).
# entrypoint: true
allow := decision.allow

# METADATA
# title: Reasons
# description: Why the decision was made, sorted.
# entrypoint: true
reasons := decision.reasons

# ---- the predicates of the request-field types (contract.rego's request_problem checks fields with them) ----

has_key(obj, key) if {
	is_object(obj)
	_ = obj[key]
}

nonempty_string(x) if {
	is_string(x)
	x != ""
}

nonempty_strings(x) if {
	is_array(x)
	every c in x {
		nonempty_string(c)
	}
}

# Field tests take the object and the key: in `not f(input.x)` an undefined `input.x` would make the whole rule
# body undefined (the reference is evaluated outside the negation), not the negation true.
string_field(obj, key) if nonempty_string(obj[key])

time_field(obj, key) if valid_time(obj[key])

# RULE A (docs/semantics.md): an integer is a number whose exact decimal value is one. OPA keeps a number's JSON
# text; floor() may round it first (floor(0.99999999999999999999) is 1), but == compares exact decimal values, so
# x == floor(x) holds exactly for integers: 1e3, 10E-1 and -0 are, 0.99999999999999999999 and 1e-400 are not.
bounded_int(x, limit) if {
	is_number(x)
	x == floor(x)
	x >= 0
	x <= limit
}

# The first key of `obj`, in code-point order (sort compares strings so), whose value is not a bounded integer.
first_bad_int_key(obj, limit) := bad[0] if {
	bad := [k | some k in sort(object.keys(obj)); not bounded_int(obj[k], limit)]
	count(bad) > 0
}

leap_year(y) if {
	y % 4 == 0
	y % 100 != 0
}

leap_year(y) if y % 400 == 0

month_days(y, 2) := 29 if leap_year(y)

month_days(y, 2) := 28 if not leap_year(y)

month_days(_, m) := 31 if m in {1, 3, 5, 7, 8, 10, 12}

month_days(_, m) := 30 if m in {4, 6, 9, 11}

valid_time(t) if {
	is_string(t)
	regex.match(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$`, t)
	year := to_number(substring(t, 0, 4))
	month := to_number(substring(t, 5, 2))
	day := to_number(substring(t, 8, 2))
	month >= 1
	month <= 12
	day >= 1
	day <= month_days(year, month)
	to_number(substring(t, 11, 2)) <= 23
	to_number(substring(t, 14, 2)) <= 59
	to_number(substring(t, 17, 2)) <= 59
}

# A rule, not `is_object(input)` inline: with no input at all (OPA's server treats `"input": null` so) the
# negation must still hold.
input_is_object if is_object(input)

# ---- early decisions ----

input_trace_id := input.trace_id if {
	is_object(input)
	valid_trace_id(input.trace_id)
} else := null

# The decision's `principal`: the request's, when it is a valid one (also on a malformed request, as trace_id).
input_principal := input.principal if {
	is_object(input)
	bounded_string(input.principal, 256)
} else := null

malformed_decision := {
	"decision": "deny",
	"allow": false,
	"use_case": null,
	"model": null,
	"provider": null,
	"reasons": [reason_malformed_request(request_problem)],
	"message": null,
	"obligations": null,
	"limits": null,
	"trace_id": input_trace_id,
	"owner": null,
	"principal": input_principal,
	"policy_revision": tables.revision,
}

unknown_use_case_decision := {
	"decision": "deny",
	"allow": false,
	"use_case": echo(input.use_case),
	"model": null,
	"provider": null,
	"reasons": [reason_unknown_use_case(input.use_case)],
	"message": null,
	"obligations": null,
	"limits": null,
	"trace_id": input_trace_id,
	"owner": null,
	"principal": input_principal,
	"policy_revision": tables.revision,
}

# ---- the use case's decision (request well-formed, use case known) ----

uc := tables.use_cases[input.use_case]

# What the request cannot change, precomputed by lowering (IR `use_cases.U.decision`).
parts := uc.decision

req_date := substring(input.time, 0, 10)

# The effective classes (step 5): the request's and those of every granted, declared corpus it retrieves.
classes := sort({c | some c in input.data_classes} | corpus_classes)

tokens_in := object.get(input, ["tokens", "input"], 0)

tokens_out := object.get(input, ["tokens", "output"], 0)

approval_valid(a, date) if {
	starts_by(a.on, date)
	ends_after(a.expires, date)
}

starts_by(null, _)

starts_by(on, date) if {
	is_string(on)
	on <= date
}

ends_after(null, _)

ends_after(expires, date) if {
	is_string(expires)
	date <= expires
}

# 1. The use case: decision above (unknown_use_case_decision when it is not declared).

# 2. Identity: what the org requires every request to carry (a field that is absent; present ones were validated).
identity_reasons contains reason if {
	tables.org.require.trace_id == true
	not has_key(input, "trace_id")
	reason := reason_trace_id_required(tables.org.name, tables.org.require.source)
}

identity_reasons contains reason if {
	tables.org.require.principal == true
	not has_key(input, "principal")
	reason := reason_principal_required(tables.org.name, tables.org.require.source)
}

# 3. The use case's own approvals.
valid_approvers := {a.approver | some a in uc.approvals; approval_valid(a, req_date)}

approval_culprits := [a | some a in uc.approvals; a.expires != null; a.expires < req_date]

pending_culprits := [a | some a in uc.approvals; not approval_valid(a, req_date)]

approval_reasons contains reason if {
	count(valid_approvers) < uc.required_approvers
	count(approval_culprits) > 0
	reason := reason_approval_expired(uc.name, count(valid_approvers), req_date, uc.required_approvers, approval_culprit_source)
}

approval_reasons contains reason if {
	count(valid_approvers) < uc.required_approvers
	count(approval_culprits) == 0
	reason := reason_approval_not_yet_valid(uc.name, count(valid_approvers), req_date, uc.required_approvers, approval_culprit_source)
}

approval_culprit_source := approval_culprits[0].source if {
	count(approval_culprits) > 0
} else := pending_culprits[0].source if {
	count(pending_culprits) > 0
} else := uc.source

# 5. Retrieval: each corpus is declared, granted by the use case and readable from the region.
granted_corpora := {k | some k in input.corpora; tables.corpora[k]; k in uc.corpora}

corpus_classes := {c | some k in granted_corpora; some c in tables.corpora[k].data_classes}

retrieval_reasons contains reason if {
	some k in input.corpora
	not tables.corpora[k]
	reason := reason_unknown_corpus(k)
}

retrieval_reasons contains reason if {
	some k in input.corpora
	tables.corpora[k]
	not k in uc.corpora
	reason := reason_corpus_not_allowed(uc.name, k, uc.source)
}

retrieval_reasons contains reason if {
	some k in granted_corpora
	residency := tables.corpora[k].residency
	count(residency) > 0
	not input.region in residency
	reason := reason_corpus_region_not_permitted(k, input.region, tables.corpora[k].source)
}

# 6. The model.
model_requested if has_key(input, "model")

candidates := [input.model] if {
	model_requested
	input.model in uc.models
} else := [] if {
	model_requested
} else := uc.models

model_reasons contains reason if {
	model_requested
	not input.model in uc.models
	reason := reason_model_not_allowed(uc.name, input.model, uc.source)
}

model_problems(name) := (status_problems(name) | region_problems(name)) | flow_problems(name)

status_problems(name) := {reason_model_revoked(name, tables.models[name].source)} if {
	tables.models[name].status == "revoked"
} else := {reason_model_approval_expired(name, req_date, tables.models[name].approvals[0].source)} if {
	count(tables.models[name].approvals) > 0
	not any_approval_valid(tables.models[name].approvals)
} else := set()

any_approval_valid(approvals) if {
	some a in approvals
	approval_valid(a, req_date)
}

region_problems(name) := {reason_model_region_not_served(name, input.region, tables.models[name].source)} if {
	not input.region in tables.models[name].regions
} else := set()

flow_problems(name) := {reason |
	some c in classes
	flow := uc.data[c]
	flow.action == "allow"
	not flow_permits_model(flow, name)
	reason := reason_data_flow_not_permitted(uc.name, c, tables.models[name].provider, name, flow.source)
}

# 6. Model targets: a flow permits a model it names, or any model of a provider it names.
flow_permits_model(flow, name) if {
	some p in flow.providers
	p == tables.models[name].provider
}

flow_permits_model(flow, name) if {
	some m in flow.models
	m == name
}

usable_models := [name | some name in candidates; count(model_problems(name)) == 0]

chosen := usable_models[0]

model_reasons contains reason if {
	count(candidates) > 0
	count(usable_models) == 0
	some reason in model_problems(candidates[0])
}

fallback_reasons contains reason if {
	chosen != candidates[0]
	reason := reason_fallback_model(uc.name, candidates[0], chosen, uc.source)
}

# 7. Data classes.
data_reasons contains reason if {
	some c in classes
	not tables.data_classes[c]
	reason := reason_unknown_data_class(c)
}

data_reasons contains reason if {
	some c in classes
	tables.data_classes[c]
	uc.data[c].action == "deny"
	reason := reason_data_class_denied(uc.name, c, uc.data[c].source)
}

data_reasons contains reason if {
	some c in classes
	tables.data_classes[c]
	flow := uc.data[c]
	flow.action == "allow"
	count(flow.regions) > 0
	not input.region in flow.regions
	reason := reason_data_region_not_permitted(uc.name, c, input.region, flow.source)
}

data_reasons contains reason if {
	some c in classes
	tables.data_classes[c].default == "deny"
	not uc.data[c]
	reason := reason_data_class_not_permitted(c, uc.name, tables.data_classes[c].source)
}

data_reasons contains reason if {
	some c in classes
	residency := tables.data_classes[c].residency
	count(residency) > 0
	not input.region in residency
	reason := reason_residency_violation(c, residency, input.region, tables.data_classes[c].source)
}

redacts(c) if {
	uc.data[c].action == "allow"
	uc.data[c].redacted == true
}

redacts(c) if {
	not uc.data[c]
	tables.data_classes[c].default == "redact"
}

redactions := [{"data_class": c, "detectors": [d.name | some d in tables.data_classes[c].detectors]} |
	some c in classes
	tables.data_classes[c]
	redacts(c)
]

# 8. The tool call.
tool_requested if has_key(input, "tool")

grant := uc.tools[input.tool.name]

tool_reasons contains reason if {
	tool_requested
	not uc.tools[input.tool.name]
	reason := reason_tool_not_allowed(uc.name, input.tool.name, uc.source)
}

tool_reasons contains reason if {
	grant
	approvals := tables.tools[input.tool.name].approvals
	count(approvals) > 0
	not any_approval_valid(approvals)
	reason := reason_tool_approval_expired(input.tool.name, req_date, approvals[0].source)
}

scope_granted(scope) if {
	some g in grant.scopes
	not endswith(g, "*")
	g == scope
}

scope_granted(scope) if {
	some g in grant.scopes
	endswith(g, "*")
	startswith(scope, trim_suffix(g, "*"))
}

tool_reasons contains reason if {
	grant
	not scope_granted(input.tool.scope)
	reason := reason_tool_scope_not_allowed(uc.name, input.tool.name, input.tool.scope, grant.source)
}

tool_reasons contains reason if {
	grant
	scope_granted(input.tool.scope)
	grant.human_approval == true
	not has_key(input.tool, "human_approved_by")
	reason := reason_human_approval_required(uc.name, input.tool.name, grant.source)
}

human_approval_obligation if grant.human_approval == true

# 9. Rate limits.
rate_increment("requests") := 1

rate_increment("tokens") := tokens_in + tokens_out

rate_reasons contains reason if {
	some limit in uc.rate_limits
	not has_key(object.get(input, ["rate", limit.scope], {}), limit.kind)
	reason := reason_counter_missing_rate(uc.name, limit.scope, limit.kind, limit.source)
}

rate_reasons contains reason if {
	some limit in uc.rate_limits
	used := input.rate[limit.scope][limit.kind]
	used + rate_increment(limit.kind) > limit.per_minute
	reason := reason_rate_limited(uc.name, limit.scope, limit.kind, limit.per_minute, limit.source)
}

# 10. Budgets, priced on the chosen model.
spent(b) := input.spend[b.scope][b.period]

missing_spend := [b | some b in uc.budgets; not has_key(object.get(input, ["spend", b.scope], {}), b.period)]

cost(name) := ceil(((tokens_in * tables.models[name].price.input_nanos_per_token) + (tokens_out * tables.models[name].price.output_nanos_per_token)) / 1000)

budget_reasons contains reason if {
	chosen
	some b in missing_spend
	reason := reason_counter_missing_budget(uc.name, b.scope, b.period, b.source)
}

exceeded := [b | some b in uc.budgets; spent(b) + cost(chosen) > b.amount_micros] if {
	chosen
	count(missing_spend) == 0
}

degrade_target := uc.on_budget_exhausted.degrade_to

can_degrade if {
	count(exceeded) > 0
	is_string(degrade_target)
	degrade_target != chosen
	tables.models[degrade_target]
	count(model_problems(degrade_target)) == 0
	every b in uc.budgets {
		spent(b) + cost(degrade_target) <= b.hard_limit_micros
	}
}

budget_reasons contains reason if {
	count(exceeded) > 0
	not can_degrade
	first := exceeded[0]
	reason := reason_budget_exhausted(uc.name, first.scope, first.period, first.source)
}

degrade_reasons contains reason if {
	can_degrade
	reason := reason_budget_degraded(uc.name, chosen, degrade_target, uc.on_budget_exhausted.source)
}

# 4. The prompt.
prompt_requested if has_key(input, "prompt")

pinned_prompt := tables.prompts[input.prompt.name] if {
	prompt_requested
	input.prompt.name in uc.prompts
}

prompt_reasons contains reason if {
	prompt_requested
	not input.prompt.name in uc.prompts
	reason := reason_prompt_not_allowed(uc.name, input.prompt.name, uc.source)
}

prompt_mismatch if {
	has_key(input.prompt, "version")
	input.prompt.version != pinned_prompt.version
}

prompt_mismatch if {
	has_key(input.prompt, "sha256")
	input.prompt.sha256 != pinned_prompt.sha256
}

prompt_reasons contains reason if {
	prompt_mismatch
	reason := reason_prompt_version_not_pinned(uc.name, pinned_prompt.name, pinned_prompt.version, pinned_prompt.sha256, pinned_prompt.source)
}

prompt_reasons contains reason if {
	is_object(pinned_prompt)
	not any_approval_valid(pinned_prompt.approvals)
	reason := reason_prompt_approval_expired(pinned_prompt.name, req_date, prompt_approval_source)
}

prompt_approval_source := pinned_prompt.approvals[0].source if {
	count(pinned_prompt.approvals) > 0
} else := pinned_prompt.source

# 10. Alerts (language v2): for each budget (declared order) and threshold (ascending), an alert when the spend so far
# is below the threshold and this request's cost on the model that serves reaches it; none on a deny.
alert_rows := [[i, k, alert] |
	count(deny_reasons) == 0
	is_object(uc.budget_alerts)
	some i, b in uc.budgets
	some k, t in b.alert_thresholds_micros
	spent(b) < t
	t <= spent(b) + cost(decided_model)
	alert := {
		"scope": b.scope,
		"period": b.period,
		"threshold_percent": uc.budget_alerts.thresholds_percent[k],
		"threshold_micros": t,
		"notify": uc.budget_alerts.notify,
	}
]

alerts := [row[2] | some row in sort(alert_rows)]

# 11. The result.
deny_reasons := (((((((identity_reasons | approval_reasons) | model_reasons) | data_reasons) | tool_reasons) | rate_reasons) | budget_reasons) | prompt_reasons) | retrieval_reasons

info_reasons := (fallback_reasons | degrade_reasons) | {parts.allowed}

# Sorted by code, rule, message, then source (null first); sets already hold no duplicates.
sorted_reasons(set_of_reasons) := [r |
	some row in sort([[r.code, r.rule, r.message, r.source, r] | some r in set_of_reasons])
	r := row[4]
]

# The precomputed obligations with the two that depend on the request.
obligations := object.union(parts.obligations, {"redact": redactions, "human_approval": human_approval_obligation, "alerts": alerts})

default human_approval_obligation := false

refusal_message := parts.budget_message if {
	some r in deny_reasons
	r.code == "budget_exhausted"
} else := parts.rate_message if {
	some r in deny_reasons
	r.code == "rate_limited"
} else := null

decided_model := degrade_target if can_degrade

else := chosen

decision_kind := "degrade" if can_degrade

else := "allow"

use_case_decision := {
	"decision": "deny",
	"allow": false,
	"use_case": uc.name,
	"model": null,
	"provider": null,
	"reasons": sorted_reasons(deny_reasons),
	"message": refusal_message,
	"obligations": obligations,
	"limits": parts.limits,
	"trace_id": input_trace_id,
	"owner": parts.owner,
	"principal": input_principal,
	"policy_revision": tables.revision,
} if {
	count(deny_reasons) > 0
} else := {
	"decision": decision_kind,
	"allow": true,
	"use_case": uc.name,
	"model": decided_model,
	"provider": tables.models[decided_model].provider,
	"reasons": sorted_reasons(info_reasons),
	"message": null,
	"obligations": obligations,
	"limits": parts.limits,
	"trace_id": input_trace_id,
	"owner": parts.owner,
	"principal": input_principal,
	"policy_revision": tables.revision,
}
