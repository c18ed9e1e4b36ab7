SELECT w.rule_code, w.severity, w.status, COUNT(*) AS n
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE u.path LIKE :scope_path AND w.month BETWEEN :start AND :end
GROUP BY w.rule_code, w.severity, w.status
