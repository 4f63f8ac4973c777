"""Payroll: what was paid for each entitlement-month, and the monthly sweep that plans it.

- `runs`: payroll runs and payment lines; a CLOSED month never changes (R-PAY-1..4).
- `processing`: certifications received but not yet applied ("in processing").
- `plan`: pure: one person's engine result and payment history → the month's lines,
  arrears, overpayments, duplicate receipt and the finance office's adjustment rows.
- `sweep`: `casehub sweep --month YYYY-MM`, idempotent, set-based, optionally on
  several processes (`workers`); `report` writes the adjustment list (XLSX).

The rules themselves are the engine's (`casehub.engine`); nothing here decides
eligibility. Modules are imported by their full names, so that the models can
import `casehub.payroll.vocabulary` without pulling the services in.
"""
