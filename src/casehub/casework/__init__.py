"""Casework after the money: recovery of overpayments, duplicate receipt, investigations and
accountability, four-eyes approvals and the investigators' alerts (R-PAY-4, R-DUP-1, R-ACC-1..3).

Modules are imported by their full names (`casehub.casework.recovery`, ...), so that the
models can import `casehub.casework.vocabulary` without pulling the services in.
"""
