-- Warnings per unit in scope over two windows of months: the recent one and the one
-- before it, so that a page can say whether a unit is improving.
SELECT u.id AS unit_id, u.code AS unit_code, u.name AS unit_name,
       SUM(CASE WHEN w.month BETWEEN :recent_from AND :recent_to THEN 1 ELSE 0 END) AS recent,
       SUM(CASE WHEN w.month BETWEEN :before_from AND :before_to THEN 1 ELSE 0 END) AS earlier,
       SUM(CASE WHEN w.status IN ('new', 'acknowledged', 'verified') THEN 1 ELSE 0 END) AS open_now,
       SUM(CASE WHEN w.status IN ('new', 'acknowledged', 'verified') AND w.severity = 'high' THEN 1 ELSE 0 END) AS open_high
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE u.path LIKE :scope_path
  AND u.path LIKE :unit_path
  AND w.month BETWEEN :before_from AND :recent_to
  AND w.status <> 'false_positive'
GROUP BY u.id, u.code, u.name
ORDER BY open_high DESC, open_now DESC, recent DESC, u.code
