"""Every write that changes clients, consultations and cases. One transaction each.

Modules: clients (intake, risk flags, assignment, merge), consultations, cases (open, status,
plan, notes, closing)."""
