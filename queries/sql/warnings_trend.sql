-- Warnings per month of the facts, rule and state (open or closed) in scope and subtree.
SELECT w.month, w.rule_code,
       CASE WHEN w.status IN ('new', 'acknowledged', 'verified') THEN 'open'
            WHEN w.status = 'false_positive' THEN 'false_positive'
            ELSE 'closed' END AS state,
       COUNT(*) AS n
FROM warnings w
JOIN units u ON u.id = w.unit_id
WHERE u.path LIKE :scope_path
  AND u.path LIKE :unit_path
  AND w.month BETWEEN :month_from AND :month_to
GROUP BY w.month, w.rule_code,
         CASE WHEN w.status IN ('new', 'acknowledged', 'verified') THEN 'open'
              WHEN w.status = 'false_positive' THEN 'false_positive'
              ELSE 'closed' END
ORDER BY w.month, w.rule_code
