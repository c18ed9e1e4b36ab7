SELECT COUNT(*) AS n
FROM officials o
JOIN units u ON u.id = o.unit_id
WHERE o.position_code = :position_code
  AND u.kind = :unit_kind
  AND u.path LIKE :scope_path
  AND o.active = TRUE
