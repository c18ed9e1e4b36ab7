SELECT e.official_id, AVG(e.final_score) AS score
FROM evaluations e
JOIN officials o ON o.id = e.official_id
JOIN units u ON u.id = e.unit_id
WHERE o.position_code = :position_code
  AND u.kind = :unit_kind
  AND u.path LIKE :scope_path
  AND e.month BETWEEN :start AND :end
GROUP BY e.official_id
