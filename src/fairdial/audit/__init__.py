"""The audit trail: every decision as a hash-chained event, and the checks that re-prove it."""

from fairdial.audit.chain import AuditLog, ChainProblem, verify_chain

__all__ = ["AuditLog", "ChainProblem", "verify_chain"]
