-- "Exposed and vulnerable" (issue 10) asks, for every internet-exposed running image, whether one finding of
-- its digest is at or above a severity (sql/explorer.ts, exposedCandidatesQuery). With only (digest, tool) each
-- probe read the table row of every finding of the image; with this index it is one seek, answered from the
-- index alone. Measured with `npm run bench:explorer` (figures in service/README.md).
CREATE INDEX scan_findings_severity ON scan_findings (digest, severity_rank);
