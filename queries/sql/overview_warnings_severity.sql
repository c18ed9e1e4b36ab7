-- Open warnings (new, acknowledged, verified) in scope, counted by severity.
SELECT w.severity, COUNT(*) AS n
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE u.path LIKE :scope_path AND w.status IN ('new', 'acknowledged', 'verified')
GROUP BY w.severity
