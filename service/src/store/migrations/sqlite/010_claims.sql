-- Claims: short leases that instances of the service sharing one database take before an action that
-- must happen once (today: filing a remediation work item in Azure Boards, which cannot be undone and has
-- no idempotency key of its own). A claim is held by one holder (a random id per request) until it is
-- given back or `expires_at_ms` passes (a crashed instance's claim lapses on its own).
CREATE TABLE claims (
  claim_key TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL
);
