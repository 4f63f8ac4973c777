"""The county's recurring supervision processes (tracker issue 6, part A).

- `death_reports`: monthly death reports per reporting body (R-DTH-1..4) and how fast stop
  events reach the system (R-RPT-1);
- `notices`: the half-yearly public notice per village, its roster and the tip-offs it brings
  (R-PUB-1/2);
- `spot_checks`: the half-yearly random spot check, reproducible from a recorded seed (R-SPT-1/2);
- `key_groups`: the key-group ledger and home visits (R-KEY-1);
- `reminders`: the due-soon work list and reminders before suspension (R-SUS-1);
- `referrals`: what a tip-off or a spot-check finding hands to an investigation (R-ACC-3).

Each service module holds the logic and the checks; the GraphQL layer and the CLI only call it.
Every change is audited; events reach the timeline only through `casehub.processes.events`.
"""
