SELECT e.policy_code, COUNT(*) AS n
FROM evaluations e
JOIN units u ON u.id = e.unit_id
WHERE u.path LIKE :scope_path AND e.month BETWEEN :start AND :end AND e.policy_code IS NOT NULL
GROUP BY e.policy_code
ORDER BY COUNT(*) DESC, e.policy_code
