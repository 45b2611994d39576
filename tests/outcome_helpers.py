"""Small builders shared by the waiver, baseline and format tests."""

import datetime as dt

from compliance.engine.findings import Finding, Subject
from compliance.model import Waiver
from compliance.rules.schema import Rule

AS_OF = dt.date(2024, 10, 17)


def finding(rule_id="nhs-icb.test.rule", subject="s1", outcome="fail", message="it failed", severity="high"):
    return Finding(
        rule_id=rule_id, title="A test rule", severity=severity, family="test",
        subject=Subject(kind="meeting", id=subject, label=f"label of {subject}"), outcome=outcome,
        message=message, evidence=[{"field": "held", "op": "eq", "actual": False, "expected": True, "result": False}],
        references=[{"authority": "Test constitution", "clause": "4.1"}], remediation="fix it", as_of=AS_OF.isoformat(),
    )


def rule(rule_id="nhs-icb.test.rule", max_waiver_days=None):
    return Rule(id=rule_id, title="A test rule", severity="high", applies_to="meeting",
                require={"field": "held", "eq": True}, message="m", max_waiver_days=max_waiver_days)


def waiver(rule_id="nhs-icb.test.rule", subject="s1", valid_from="2024-09-01", expires="2025-03-31", **extra):
    return Waiver(rule_id=rule_id, subject=subject, reason="recovery plan agreed", approved_by="audit-committee",
                  approval_ref="AC 2024/09 minute 7", owner="cfo", valid_from=valid_from, expires=expires, **extra)


DROP = object()  # in waiver_yaml: leave this key out


def waiver_yaml(entries):
    """A waivers.yaml text for a list of dicts (the keys given; the rest filled in; DROP removes one)."""
    import yaml

    base = {"reason": "recovery plan agreed", "approved_by": "audit-committee", "approval_ref": "AC 2024/09 minute 7",
            "owner": "cfo", "valid_from": "2024-09-01", "expires": "2025-03-31"}
    records = [{k: v for k, v in {**base, **e}.items() if v is not DROP} for e in entries]
    return yaml.safe_dump({"waivers": records}, sort_keys=False)
