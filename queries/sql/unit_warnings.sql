-- Warnings of a unit's subtree (open first, newest first), with the unit they concern.
SELECT w.id, w.rule_code, w.subject_type, w.subject_id, w.month, w.severity, w.status,
       w.reason_key, w.reason_params, u.code AS unit_code, u.name AS unit_name
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE u.path LIKE :scope_path AND u.path LIKE :unit_path
ORDER BY CASE WHEN w.status IN ('new', 'acknowledged', 'verified') THEN 0 ELSE 1 END,
         CASE w.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END,
         w.month DESC, w.id DESC
LIMIT 200
