SELECT w.id, w.rule_code, w.subject_type, w.month, w.severity, w.status,
       u.code AS unit_code, u.name AS unit_name, u.path AS unit_path,
       o.code AS official_code, o.full_name AS official_name
FROM warnings w
JOIN units u ON u.id = w.unit_id
LEFT JOIN officials o ON o.id = w.subject_id AND w.subject_type = 'official'
WHERE u.path LIKE :scope_path AND w.month <= :end
  AND w.status IN ('new', 'acknowledged', 'verified')
ORDER BY w.id
